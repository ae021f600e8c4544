using System.ComponentModel.DataAnnotations;
using Vit.Core;

namespace Vit.Data;

/// <summary>
/// Options of <see cref="RandomErasing"/> (Zhong et al., AAAI 2020), as timm's <c>RandomErasing</c> defines them.
/// Validated by <see cref="RandomErasingOptionsValidator"/> (the constructor too).
/// </summary>
/// <remarks>DeiT's recipe: <c>Probability = 0.25, Mode = Pixel</c>, one box.</remarks>
public sealed class RandomErasingOptions
{
    /// <summary>Gets or sets the chance that an image is erased at all.</summary>
    /// <value>The default is 0.5 (timm's).</value>
    [Range(0.0, 1.0)]
    public double Probability { get; set; } = 0.5;

    /// <summary>Gets or sets the smallest area of a box, as a fraction of the image (divided by the box count).</summary>
    /// <value>The default is 0.02.</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double MinArea { get; set; } = 0.02;

    /// <summary>Gets or sets the largest area of a box, as a fraction of the image (divided by the box count).</summary>
    /// <value>The default is 1/3.</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double MaxArea { get; set; } = 1.0 / 3.0;

    /// <summary>Gets or sets the smallest aspect ratio (height / width) of a box; drawn log-uniformly.</summary>
    /// <value>The default is 0.3.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double MinAspect { get; set; } = 0.3;

    /// <summary>Gets or sets the largest aspect ratio (height / width) of a box.</summary>
    /// <value>The default is <see langword="null"/>: 1 / <see cref="MinAspect"/> (3.33 by default).</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? MaxAspect { get; set; }

    /// <summary>Gets or sets what erased pixels become.</summary>
    /// <value>The default is <see cref="RandomErasingMode.Const"/>.</value>
    [EnumDataType(typeof(RandomErasingMode))]
    public RandomErasingMode Mode { get; set; } = RandomErasingMode.Const;

    /// <summary>Gets or sets the smallest number of boxes per erased image.</summary>
    /// <value>The default is 1.</value>
    [Range(1, int.MaxValue)]
    public int MinCount { get; set; } = 1;

    /// <summary>Gets or sets the largest number of boxes per erased image; the count is uniform in [MinCount, MaxCount].</summary>
    /// <value>The default is <see langword="null"/>: <see cref="MinCount"/>.</value>
    [Range(1, int.MaxValue)]
    public int? MaxCount { get; set; }

    /// <summary>
    /// Gets or sets the value <see cref="RandomErasingMode.Const"/> writes: one per channel, or one for all channels.
    /// </summary>
    /// <value>The default is <see langword="null"/>: 0, the mean when erasing runs after <see cref="Normalize"/> (timm's order).</value>
    [MinLength(1)]
    [ItemRange(double.MinValue, double.MaxValue)]
    public float[]? FillValue { get; set; }

    /// <summary>Gets or sets the seed of the transform's own generator (used by <c>call</c>).</summary>
    /// <value>The default is <see langword="null"/>: drawn at construction.</value>
    public int? Seed { get; set; }
}
