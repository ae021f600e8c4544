using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Vit.Core;

/// <summary>
/// Validates <see cref="PretrainedMetadata"/> for one model: the DataAnnotations ranges, and that mean, std and
/// class names fit its channels and classes. Every message names the field and its value.
/// </summary>
public static class PretrainedMetadataValidator
{
    /// <summary>Every rule <paramref name="metadata"/> breaks for a model with these options (empty when valid).</summary>
    /// <param name="metadata">The metadata to check.</param>
    /// <param name="options">The model's architecture (channels and classes).</param>
    /// <returns>The failure messages.</returns>
    public static IReadOnlyList<string> Failures(PretrainedMetadata metadata, VisionTransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in typeof(PretrainedMetadata).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = property.GetValue(metadata);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!attribute.IsValid(value))
                {
                    failures.Add($"{property.Name} is {Format(value)}; {Expectation(attribute)}.");
                }
            }
        }

        CheckPerChannel(failures, nameof(PretrainedMetadata.Mean), metadata.Mean, options.InChannels, positive: false);
        CheckPerChannel(failures, nameof(PretrainedMetadata.Std), metadata.Std, options.InChannels, positive: true);
        if (metadata.ClassNames is { } names)
        {
            if (names.Length != options.NumClasses)
            {
                failures.Add($"ClassNames has {names.Length} names; the model has {options.NumClasses} classes.");
            }

            if (names.Any(string.IsNullOrEmpty))
            {
                failures.Add("ClassNames holds an empty name; every class needs one.");
            }
        }

        if (options.NumClasses < 1)
        {
            failures.Add("NumClasses is 0; a model folder is for a classifier (NumClasses at least 1).");
        }

        return failures;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every bad field, if there is any.</summary>
    internal static void ThrowIfInvalid(PretrainedMetadata metadata, VisionTransformerOptions options, string paramName)
    {
        var failures = Failures(metadata, options);
        if (failures.Count > 0)
        {
            throw new ArgumentException($"Invalid PretrainedMetadata: {string.Join(" ", failures)}", paramName);
        }
    }

    private static void CheckPerChannel(List<string> failures, string name, float[]? values, int channels, bool positive)
    {
        if (values is null)
        {
            return;
        }

        if (values.Length != channels)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{name} has {values.Length} values; the model has {channels} channels."));
        }

        if (values.Any(v => !float.IsFinite(v) || (positive && v <= 0)))
        {
            failures.Add($"{name} is [{string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]; every value must be finite{(positive ? " and positive" : string.Empty)}.");
        }
    }

    private static string Expectation(ValidationAttribute attribute) => attribute switch
    {
        RangeAttribute range => $"it must be in {(range.MinimumIsExclusive ? "(" : "[")}{Format(range.Minimum)}, {Format(range.Maximum)}{(range.MaximumIsExclusive ? ")" : "]")}",
        EnumDataTypeAttribute enumType => $"it must be one of {string.Join(", ", Enum.GetNames(enumType.EnumType))}",
        _ => attribute.FormatErrorMessage("value"),
    };

    private static string Format(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
