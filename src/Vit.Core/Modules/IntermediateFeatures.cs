using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// What <see cref="VisionTransformer.ForwardIntermediates(Tensor, int?, IntermediateFormat, bool, bool, bool, bool)"/>
/// returns: the chosen blocks' patch tokens, their prefix tokens apart, and the final features. Disposing it disposes
/// every tensor it holds.
/// </summary>
public sealed class IntermediateFeatures : IDisposable
{
    internal IntermediateFeatures(IReadOnlyList<int> indices, IReadOnlyList<Tensor> intermediates, IReadOnlyList<Tensor>? prefixTokens, Tensor? features)
    {
        Indices = indices;
        Intermediates = intermediates;
        PrefixTokens = prefixTokens;
        Features = features;
    }

    /// <summary>Gets the absolute indices of the blocks taken, ascending (timm's <c>take_indices</c> order of the forward pass).</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Gets each taken block's patch tokens (prefix tokens removed), <c>[N, D, H, W]</c> or <c>[N, L, D]</c>, in block order.</summary>
    public IReadOnlyList<Tensor> Intermediates { get; }

    /// <summary>Gets each taken block's prefix tokens <c>[N, P, D]</c> (class, distillation, registers), or <see langword="null"/> when not asked for or the model has none.</summary>
    public IReadOnlyList<Tensor>? PrefixTokens { get; }

    /// <summary>Gets the last block's tokens after the final norm (<see cref="VisionTransformer.ForwardFeatures"/> when every block ran), or <see langword="null"/> with intermediates only.</summary>
    public Tensor? Features { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in Intermediates.Concat(PrefixTokens ?? []))
        {
            t.Dispose();
        }

        Features?.Dispose();
    }
}
