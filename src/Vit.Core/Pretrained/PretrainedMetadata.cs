using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>
/// What a model folder records besides the architecture and the weights: how images are prepared for the model
/// (timm's evaluation transform: resize the shorter side to <c>ImageSize / CropPct</c>, centre crop, normalise) and
/// the class names. Written into <c>config.json</c> by <see cref="VisionTransformer.SavePretrained"/>.
/// Validated by <see cref="PretrainedMetadataValidator"/>.
/// </summary>
public sealed class PretrainedMetadata
{
    /// <summary>Gets or sets the per-channel mean of [0, 1] pixels that is subtracted; <see langword="null"/> means 0.5 per channel.</summary>
    /// <value>The default is <see langword="null"/> (timm's ViT default, 0.5 per channel).</value>
    [MinLength(1)]
    [ItemRange(-1e6, 1e6)]
    public float[]? Mean { get; set; }

    /// <summary>Gets or sets the per-channel standard deviation the pixels are divided by; <see langword="null"/> means 0.5 per channel.</summary>
    /// <value>The default is <see langword="null"/> (timm's ViT default, 0.5 per channel).</value>
    [MinLength(1)]
    [ItemRange(0.0, 1e6, MinimumIsExclusive = true)]
    public float[]? Std { get; set; }

    /// <summary>Gets or sets the class names by class index; <see langword="null"/> means the indices as text ("0", "1", ...).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string[]? ClassNames { get; set; }

    /// <summary>
    /// Gets or sets the fraction of the resized image the centre crop keeps: the shorter side is resized to
    /// <c>floor(ImageSize / CropPct)</c>. 1 resizes straight to the input size; above 1 pads with black borders
    /// (an image trained zero-padded, e.g. 28 px in a 32 px model, has <c>32 / 28</c>).
    /// </summary>
    /// <value>The default is 0.9 (timm's ViT default).</value>
    [Range(0.0, 16.0, MinimumIsExclusive = true)]
    public double CropPct { get; set; } = 0.9;

    /// <summary>Gets or sets the resampling filter of the resize.</summary>
    /// <value>The default is <see cref="ResizeInterpolation.Bicubic"/> (timm's ViT default).</value>
    [EnumDataType(typeof(ResizeInterpolation))]
    public ResizeInterpolation Interpolation { get; set; } = ResizeInterpolation.Bicubic;

    /// <summary>Returns an independent copy.</summary>
    /// <returns>A new metadata object equal to this one.</returns>
    public PretrainedMetadata Clone() => new()
    {
        Mean = Mean?.ToArray(),
        Std = Std?.ToArray(),
        ClassNames = ClassNames?.ToArray(),
        CropPct = CropPct,
        Interpolation = Interpolation,
    };
}
