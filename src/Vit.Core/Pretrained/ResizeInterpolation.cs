namespace Vit.Core;

/// <summary>The resampling filter of the evaluation resize (timm's <c>interpolation</c> names, in lower case in <c>config.json</c>).</summary>
public enum ResizeInterpolation
{
    /// <summary>Bicubic (PIL's, a = -0.5), timm's default for ViTs.</summary>
    Bicubic,

    /// <summary>Bilinear (a triangle filter, widened when downscaling as PIL does).</summary>
    Bilinear,

    /// <summary>Nearest neighbour.</summary>
    Nearest,
}
