namespace Vit.Data;

/// <summary>How <see cref="Mixup"/> draws its parameters (timm's <c>mode</c>).</summary>
public enum MixupMode
{
    /// <summary>One decision, one λ and one CutMix box for the whole batch (timm's <c>batch</c>).</summary>
    Batch,

    /// <summary>One decision, λ and box per pair of mixed samples, shared by both (timm's <c>pair</c>).</summary>
    Pair,

    /// <summary>One decision, λ and box per sample (timm's <c>elem</c>).</summary>
    Element,
}
