using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// libtorch's CPU generator state (dropout, drop-path) under <c>rng/cpu</c>. A restored state waits until just before
/// the next update, so whatever draws random numbers in between does not change the resumed run.
/// </summary>
internal sealed class GeneratorState : ICheckpointPart, IDisposable
{
    private const string Key = "rng/cpu";
    private Tensor? _pending;

    public void Save(CheckpointContent content) =>
        // A state restored but not yet used is still the state of this point of training.
        content.Tensors.Add(Key, _pending ?? torch.random.get_rng_state());

    public void Check(CheckpointContent content, List<string> problems)
    {
        if (!content.Tensors.TryGetValue(Key, out var rng) || rng.dtype != ScalarType.Byte || rng.ndim != 1)
        {
            problems.Add($"{Key} (the generator state, uint8 [N]) is missing or malformed");
        }
    }

    public void Restore(CheckpointContent content)
    {
        _pending?.Dispose();
        _pending = content.Tensors[Key].clone().DetachFromDisposeScope();
    }

    /// <summary>Sets the generator to a restored state, if one is waiting; call just before an update.</summary>
    public void ApplyPending()
    {
        if (_pending is not null)
        {
            torch.random.set_rng_state(_pending);
            _pending.Dispose();
            _pending = null;
        }
    }

    public void Dispose()
    {
        _pending?.Dispose();
        _pending = null;
    }
}
