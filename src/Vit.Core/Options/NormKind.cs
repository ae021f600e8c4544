namespace Vit.Core;

/// <summary>The normalisation layer used throughout the model (timm's <c>norm_layer</c>).</summary>
public enum NormKind
{
    /// <summary>LayerNorm with a weight and a bias (timm's default).</summary>
    LayerNorm = 0,

    /// <summary>RMSNorm: <c>x / sqrt(mean(x²) + eps) * weight</c>, no bias (timm's <c>RmsNorm</c>; AIMv2).</summary>
    RmsNorm = 1,
}
