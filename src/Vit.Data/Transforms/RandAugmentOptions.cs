using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Vit.Core;

namespace Vit.Data;

/// <summary>
/// Options of <see cref="RandAugment"/> (Cubuk et al., NeurIPS 2020) with timm's semantics; <see cref="Parse"/> reads
/// timm's config strings such as <c>rand-m9-n2-mstd0.5</c>. Validated by <see cref="RandAugmentOptionsValidator"/>.
/// </summary>
/// <remarks>DeiT's recipe is <c>rand-m9-mstd0.5-inc1</c>.</remarks>
public sealed class RandAugmentOptions
{
    /// <summary>The config keys, longest first so "mstd" and "mmax" are not read as "m".</summary>
    private static readonly string[] ConfigKeys = ["mstd", "mmax", "inc", "m", "n", "p"];

    /// <summary>Gets or sets the magnitude M, on timm's 0–10 scale (10 = each op's largest change).</summary>
    /// <value>The default is 10 (timm's when the config has no <c>m</c>).</value>
    [Range(0.0, double.MaxValue)]
    public double Magnitude { get; set; } = 10;

    /// <summary>Gets or sets the number of operations N chosen (with replacement) for each image.</summary>
    /// <value>The default is 2.</value>
    [Range(0, int.MaxValue)]
    public int NumLayers { get; set; } = 2;

    /// <summary>Gets or sets the chance that each chosen operation is applied.</summary>
    /// <value>The default is 0.5 (timm's <c>p</c>).</value>
    [Range(0.0, 1.0)]
    public double Probability { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets the standard deviation of the Gaussian noise added to the magnitude each time an operation is
    /// applied (timm's <c>mstd</c>); above 100 the magnitude is instead uniform in [0, M].
    /// </summary>
    /// <value>The default is 0: the magnitude is always M.</value>
    [Range(0.0, double.MaxValue)]
    public double MagnitudeStd { get; set; }

    /// <summary>Gets or sets the upper clip of the noisy magnitude (timm's <c>mmax</c>).</summary>
    /// <value>The default is 10.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double MagnitudeMax { get; set; } = 10;

    /// <summary>
    /// Gets or sets whether Posterize, Solarize, Color, Contrast, Brightness and Sharpness use timm's "increasing"
    /// levels (a larger magnitude always means a stronger change; timm's <c>inc1</c>).
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Increasing { get; set; }

    /// <summary>Gets or sets the operations to choose from.</summary>
    /// <value>
    /// The default is <see langword="null"/>: timm's 15 for 3-channel (RGB) images; for other channel counts the 14
    /// without <see cref="RandAugmentOp.Color"/>, which needs RGB (on one channel it would do nothing). See
    /// <see cref="RandAugment.DefaultOps"/>.
    /// </value>
    [MinLength(1)]
    public RandAugmentOp[]? Ops { get; set; }

    /// <summary>
    /// Gets or sets the value, per channel or one for all, that Rotate, Shear and Translate write where they uncover
    /// the image (timm passes the dataset mean). RandAugment runs on [0, 1] images, before <see cref="Normalize"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: 128/255 in every channel (timm's fallback grey).</value>
    [MinLength(1)]
    [ItemRange(double.MinValue, double.MaxValue)]
    public float[]? FillValue { get; set; }

    /// <summary>Gets or sets the seed of the transform's own generator (used by <c>call</c>).</summary>
    /// <value>The default is <see langword="null"/>: drawn at construction.</value>
    public int? Seed { get; set; }

    /// <summary>
    /// Reads a timm RandAugment config string: <c>rand</c> followed by dash-separated sections in any order,
    /// <c>m</c>{magnitude}, <c>n</c>{layers}, <c>p</c>{probability}, <c>mstd</c>{std}, <c>mmax</c>{max},
    /// <c>inc</c>{0|1}. Sections not given keep the defaults.
    /// </summary>
    /// <param name="config">For example <c>rand-m9-n2-mstd0.5</c> or <c>rand-m9-mstd0.5-inc1</c>.</param>
    /// <returns>New options.</returns>
    /// <exception cref="FormatException">The string does not start with <c>rand</c>, or a section is unknown or has no number.</exception>
    public static RandAugmentOptions Parse(string config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string[] sections = config.Split('-');
        if (sections[0] != "rand")
        {
            throw new FormatException($"RandAugment config '{config}' must start with 'rand' (e.g. 'rand-m9-n2-mstd0.5').");
        }

        var options = new RandAugmentOptions();
        foreach (string section in sections.Skip(1))
        {
            string? key = ConfigKeys.FirstOrDefault(k => section.StartsWith(k, StringComparison.Ordinal));
            string text = key is null ? string.Empty : section[key.Length..];
            if (key is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                throw new FormatException(
                    $"RandAugment config '{config}': section '{section}' is not one of m<magnitude>, n<layers>, p<probability>, mstd<std>, mmax<max>, inc<0|1>.");
            }

            switch (key)
            {
                case "m": options.Magnitude = value; break;
                case "n": options.NumLayers = (int)value; break;
                case "p": options.Probability = value; break;
                case "mstd": options.MagnitudeStd = value; break;
                case "mmax": options.MagnitudeMax = value; break;
                default: options.Increasing = value != 0; break;
            }
        }

        return options;
    }
}
