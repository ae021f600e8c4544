using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// The lower-precision copies of weights made during one forward of the outermost autocast-aware module on this
/// thread: each weight is cast once per forward however often it is used, and the copies end with the forward, so an
/// optimizer step between two forwards can never leave a stale copy behind (TorchSharp exposes no version counter
/// to detect one).
/// </summary>
/// <remarks>Forwards are synchronous, so a thread-static region is enough; the dtype itself flows with <see cref="Autocast"/>.</remarks>
internal sealed class WeightCasts : IDisposable
{
    [ThreadStatic]
    private static WeightCasts? t_active;

    private readonly Dictionary<Tensor, Tensor>[] _byGradMode = [new(ReferenceEqualityComparer.Instance), new(ReferenceEqualityComparer.Instance)];

    private WeightCasts()
    {
    }

    /// <summary>Opens a region when autocast is on and none is open on this thread; otherwise returns <see langword="null"/> (nothing to dispose).</summary>
    public static WeightCasts? Begin()
    {
        if (t_active is not null || !Autocast.IsEnabled)
        {
            return null;
        }

        t_active = new WeightCasts();
        return t_active;
    }

    /// <summary>
    /// Returns <paramref name="weight"/> in <paramref name="dtype"/>: the weight itself when it already is, otherwise a
    /// copy that belongs to the open region (the caller must not dispose it). Made under the current grad mode, so a
    /// copy made under <c>no_grad</c> is never reused where gradients must flow.
    /// </summary>
    /// <exception cref="InvalidOperationException">No region is open (an internal error: callers open one first).</exception>
    public static Tensor Get(Tensor weight, ScalarType dtype)
    {
        if (weight.dtype == dtype)
        {
            return weight;
        }

        var region = t_active ?? throw new InvalidOperationException("Weight casts need an open region (WeightCasts.Begin).");
        var casts = region._byGradMode[torch.is_grad_enabled() ? 1 : 0];
        if (casts.TryGetValue(weight, out var cast) && cast.dtype == dtype)
        {
            return cast;
        }

        cast = weight.to_type(dtype).DetachFromDisposeScope();
        if (casts.Remove(weight, out var replaced))
        {
            replaced.Dispose();
        }

        casts[weight] = cast;
        return cast;
    }

    /// <summary>Frees the region's copies (autograd keeps its own references to the ones it saved) and closes it.</summary>
    public void Dispose()
    {
        if (!ReferenceEquals(t_active, this))
        {
            return;
        }

        t_active = null;
        foreach (var casts in _byGradMode)
        {
            foreach (var cast in casts.Values)
            {
                cast.Dispose();
            }

            casts.Clear();
        }
    }
}
