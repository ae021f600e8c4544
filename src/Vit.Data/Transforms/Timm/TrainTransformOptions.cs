using System.ComponentModel.DataAnnotations;
using Vit.Core;

namespace Vit.Data;

/// <summary>
/// timm's training transform (<c>create_transform(is_training=True)</c>, its defaults): random resized crop, horizontal
/// flip, optional RandAugment, normalise, optional random erasing; Mixup/CutMix as the loader's batch step.
/// Validated by <see cref="TrainTransformOptionsValidator"/>.
/// </summary>
public sealed class TrainTransformOptions
{
    /// <summary>Gets or sets the side of the square crop the model sees.</summary>
    /// <value>The default is 224.</value>
    [Range(1, 16384)]
    public int ImageSize { get; set; } = 224;

    /// <summary>Gets or sets the channels: 1 (grey) or 3 (RGB).</summary>
    /// <value>The default is 3.</value>
    [AllowedValues(1, 3)]
    public int Channels { get; set; } = 3;

    /// <summary>
    /// Gets or sets the side images are decoded to (shorter side resized, centre square kept, Pillow's resampling)
    /// before the random crop; <see langword="null"/> means <see cref="ImageSize"/>. timm crops the full-resolution
    /// image; a larger value keeps more of its detail for small crops, at the loader's memory.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(1, 16384)]
    public int? LoadSize { get; set; }

    /// <summary>Gets or sets the smallest fraction of the area the random crop keeps (timm's <c>scale[0]</c>).</summary>
    /// <value>The default is 0.08.</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double MinScale { get; set; } = 0.08;

    /// <summary>Gets or sets the largest fraction of the area the random crop keeps (timm's <c>scale[1]</c>).</summary>
    /// <value>The default is 1.</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double MaxScale { get; set; } = 1.0;

    /// <summary>Gets or sets the smallest width / height ratio of the random crop (timm's <c>ratio[0]</c>).</summary>
    /// <value>The default is 3/4.</value>
    [Range(0.0, 100.0, MinimumIsExclusive = true)]
    public double MinRatio { get; set; } = 3.0 / 4.0;

    /// <summary>Gets or sets the largest width / height ratio of the random crop (timm's <c>ratio[1]</c>).</summary>
    /// <value>The default is 4/3.</value>
    [Range(0.0, 100.0, MinimumIsExclusive = true)]
    public double MaxRatio { get; set; } = 4.0 / 3.0;

    /// <summary>Gets or sets the resampling filter of the decode resize (the random crop itself is bilinear, antialiased).</summary>
    /// <value>The default is <see cref="ResizeInterpolation.Bicubic"/>.</value>
    [EnumDataType(typeof(ResizeInterpolation))]
    public ResizeInterpolation Interpolation { get; set; } = ResizeInterpolation.Bicubic;

    /// <summary>Gets or sets the probability of a horizontal flip (timm's <c>hflip</c>).</summary>
    /// <value>The default is 0.5.</value>
    [Range(0.0, 1.0)]
    public double HorizontalFlip { get; set; } = 0.5;

    /// <summary>Gets or sets timm's RandAugment string (e.g. <c>rand-m9-mstd0.5-inc1</c>); <see langword="null"/> for none.</summary>
    /// <value>The default is <see langword="null"/> (timm's <c>auto_augment=None</c>).</value>
    public string? RandAugment { get; set; }

    /// <summary>Gets or sets the probability of random erasing (timm's <c>re_prob</c>); 0 leaves it out.</summary>
    /// <value>The default is 0.</value>
    [Range(0.0, 1.0)]
    public double RandomErasing { get; set; }

    /// <summary>Gets or sets what erased boxes hold (timm's <c>re_mode</c>).</summary>
    /// <value>The default is <see cref="RandomErasingMode.Const"/> (timm's create_transform default).</value>
    [EnumDataType(typeof(RandomErasingMode))]
    public RandomErasingMode RandomErasingMode { get; set; } = RandomErasingMode.Const;

    /// <summary>Gets or sets the most boxes erased per image (timm's <c>re_count</c>).</summary>
    /// <value>The default is 1.</value>
    [Range(1, 100)]
    public int RandomErasingCount { get; set; } = 1;

    /// <summary>Gets or sets the per-channel mean of [0, 1] pixels; <see langword="null"/> means 0.5 per channel.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    [MinLength(1)]
    [ItemRange(-1e6, 1e6)]
    public float[]? Mean { get; set; }

    /// <summary>Gets or sets the per-channel standard deviation; <see langword="null"/> means 0.5 per channel.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    [MinLength(1)]
    [ItemRange(0.0, 1e6, MinimumIsExclusive = true)]
    public float[]? Std { get; set; }

    /// <summary>Gets or sets Mixup/CutMix, run by the loader on whole batches; <see langword="null"/> for none.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public MixupOptions? Mixup { get; set; }
}
