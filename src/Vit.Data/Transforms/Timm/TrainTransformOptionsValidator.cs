using System.Globalization;
using Vit.Core;

namespace Vit.Data;

/// <summary>Validates <see cref="TrainTransformOptions"/>: its attributes, ordered scale and ratio ranges, one mean/std value per channel and a RandAugment string timm accepts.</summary>
public sealed class TrainTransformOptionsValidator : OptionsValidator<TrainTransformOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(TrainTransformOptions options)
    {
        if (options.MinScale > options.MaxScale)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"TrainTransformOptions.MinScale is {options.MinScale} and MaxScale is {options.MaxScale}, but MinScale must not exceed MaxScale");
        }

        if (options.MinRatio > options.MaxRatio)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"TrainTransformOptions.MinRatio is {options.MinRatio} and MaxRatio is {options.MaxRatio}, but MinRatio must not exceed MaxRatio");
        }

        if (options.Mean is { Length: > 0 } mean && mean.Length != options.Channels)
        {
            yield return $"TrainTransformOptions.Mean has {mean.Length} values and Channels is {options.Channels}, but there must be one value per channel";
        }

        if (options.Std is { Length: > 0 } std && std.Length != options.Channels)
        {
            yield return $"TrainTransformOptions.Std has {std.Length} values and Channels is {options.Channels}, but there must be one value per channel";
        }

        if (options.RandAugment is { } config && ParseFailure(config) is { } failure)
        {
            yield return $"TrainTransformOptions.RandAugment is {Show(config)}, but it is not a RandAugment string timm accepts: {failure}";
        }
    }

    private static string? ParseFailure(string config)
    {
        try
        {
            RandAugmentOptions.Parse(config);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}
