using System.ComponentModel.DataAnnotations;
using Vit.Core;

namespace Vit.Data;

/// <summary>
/// timm's evaluation transform (<c>create_transform(is_training=False)</c>): resize the shorter side to
/// <c>floor(ImageSize / CropPct)</c> with <see cref="Interpolation"/>, centre-crop to <see cref="ImageSize"/>, scale to
/// [0, 1], normalise with <see cref="Mean"/> / <see cref="Std"/>. Validated by <see cref="EvalTransformOptionsValidator"/>.
/// </summary>
public sealed class EvalTransformOptions
{
    /// <summary>Gets or sets the side of the square crop the model sees.</summary>
    /// <value>The default is 224.</value>
    [Range(1, 16384)]
    public int ImageSize { get; set; } = 224;

    /// <summary>Gets or sets the channels: 1 (Pillow's <c>convert("L")</c>) or 3 (RGB, alpha dropped).</summary>
    /// <value>The default is 3.</value>
    [AllowedValues(1, 3)]
    public int Channels { get; set; } = 3;

    /// <summary>Gets or sets the fraction of the resized image the centre crop keeps, in (0, 1].</summary>
    /// <value>The default is 0.9 (timm's ViT default, as <see cref="PretrainedMetadata.CropPct"/>).</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double CropPct { get; set; } = 0.9;

    /// <summary>Gets or sets the resampling filter of the resize (Pillow's arithmetic).</summary>
    /// <value>The default is <see cref="ResizeInterpolation.Bicubic"/> (timm's ViT default).</value>
    [EnumDataType(typeof(ResizeInterpolation))]
    public ResizeInterpolation Interpolation { get; set; } = ResizeInterpolation.Bicubic;

    /// <summary>Gets or sets the per-channel mean of [0, 1] pixels; <see langword="null"/> means 0.5 per channel.</summary>
    /// <value>The default is <see langword="null"/> (timm's ViT default, 0.5 per channel).</value>
    [MinLength(1)]
    [ItemRange(-1e6, 1e6)]
    public float[]? Mean { get; set; }

    /// <summary>Gets or sets the per-channel standard deviation; <see langword="null"/> means 0.5 per channel.</summary>
    /// <value>The default is <see langword="null"/> (timm's ViT default, 0.5 per channel).</value>
    [MinLength(1)]
    [ItemRange(0.0, 1e6, MinimumIsExclusive = true)]
    public float[]? Std { get; set; }

    /// <summary>Returns an independent copy.</summary>
    /// <returns>A new options object equal to this one.</returns>
    public EvalTransformOptions Clone() => new()
    {
        ImageSize = ImageSize,
        Channels = Channels,
        CropPct = CropPct,
        Interpolation = Interpolation,
        Mean = Mean?.ToArray(),
        Std = Std?.ToArray(),
    };
}
