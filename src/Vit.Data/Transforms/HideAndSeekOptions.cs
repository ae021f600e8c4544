using System.ComponentModel.DataAnnotations;
using Vit.Core;

namespace Vit.Data;

/// <summary>Options for <see cref="HideAndSeek"/> (Singh and Lee, ICCV 2017); its constructor validates them with <see cref="OptionsValidator{TOptions}"/>.</summary>
public sealed class HideAndSeekOptions
{
    /// <summary>
    /// Gets or sets the cell sizes S in pixels, one chosen uniformly at random per image; 0 leaves that image whole.
    /// Repeats are allowed and weight a size.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the paper's set for 224 px, {0, 16, 32, 44, 56}, scaled to each input by
    /// its shorter side L as {0, r(16L/224), r(32L/224), r(44L/224), r(56L/224)}, where r rounds half away from zero
    /// and is at least 1 (see <see cref="HideAndSeek.DefaultGridSizes"/>): {0, 2, 4, 6, 7} at 28 px, {0, 2, 5, 6, 8}
    /// at 32 px. Five entries always, so an image is left whole one time in five, as in the paper.
    /// </value>
    [MinLength(1)]
    [ItemRange(0, int.MaxValue)]
    public int[]? GridSizes { get; set; }

    /// <summary>Gets or sets the probability that each cell is hidden, independently.</summary>
    /// <value>The default is 0.5.</value>
    [Range(0.0, 1.0)]
    public double HideProbability { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets the value written into hidden pixels: one value per channel, or one value for all channels.
    /// The paper fills with the dataset's mean so hidden regions look like "average" input to the first layer.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: 0 in every channel, which is the dataset mean when Hide-and-Seek runs
    /// after <see cref="Normalize"/> with the dataset's statistics (the recommended order). When it runs on
    /// unnormalised [0, 1] images, set it to <see cref="ChannelStatistics.Mean"/>.
    /// </value>
    [MinLength(1)]
    [ItemRange(double.MinValue, double.MaxValue)]
    public float[]? FillValue { get; set; }

    /// <summary>Gets or sets the seed of the transform's own generator (used by <c>call</c>).</summary>
    /// <value>The default is <see langword="null"/>: drawn at construction.</value>
    public int? Seed { get; set; }
}
