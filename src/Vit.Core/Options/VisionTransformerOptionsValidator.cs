using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Vit.Core;

/// <summary>
/// Validates <see cref="VisionTransformerOptions"/>: the DataAnnotations ranges on each property and the cross-field
/// rules (<c>EmbedDim % NumHeads == 0</c>, <c>ImageSize % PatchSize == 0</c>). Every message names the field and its value.
/// </summary>
public sealed class VisionTransformerOptionsValidator : IValidateOptions<VisionTransformerOptions>
{
    private static readonly PropertyInfo[] Properties = typeof(VisionTransformerOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite)
        .ToArray();

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, VisionTransformerOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every rule <paramref name="options"/> breaks, one message each (empty when valid).</summary>
    /// <param name="options">The options to check.</param>
    /// <returns>The failure messages.</returns>
    public static IReadOnlyList<string> Failures(VisionTransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in Properties)
        {
            object? value = property.GetValue(options);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!attribute.IsValid(value))
                {
                    failures.Add($"{property.Name} is {Format(value)}; {Expectation(attribute)}.");
                }
            }
        }

        if (options.NumHeads > 0 && options.EmbedDim > 0 && options.EmbedDim % options.NumHeads != 0)
        {
            failures.Add($"EmbedDim is {options.EmbedDim} and NumHeads is {options.NumHeads}; EmbedDim must be divisible by NumHeads.");
        }

        if (options.PatchSize > 0 && options.ImageSize > 0 && options.ImageSize % options.PatchSize != 0)
        {
            failures.Add($"ImageSize is {options.ImageSize} and PatchSize is {options.PatchSize}; ImageSize must be divisible by PatchSize.");
        }

        if (options.EmbedDim > 0 && options.MlpRatio > 0 && options.MlpHiddenDim < 1)
        {
            failures.Add($"MlpRatio is {Format(options.MlpRatio)}; EmbedDim * MlpRatio must be at least 1 (it is {Format(options.EmbedDim * options.MlpRatio)}).");
        }

        return failures;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every bad field, if there is any.</summary>
    internal static void ThrowIfInvalid(VisionTransformerOptions options, string paramName)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException($"Invalid VisionTransformerOptions: {string.Join(" ", failures)}", paramName);
        }
    }

    private static string Expectation(ValidationAttribute attribute) => attribute switch
    {
        RangeAttribute range => RangeText(range),
        EnumDataTypeAttribute enumType => $"it must be one of {string.Join(", ", Enum.GetNames(enumType.EnumType))}",
        _ => attribute.FormatErrorMessage("value"),
    };

    private static string RangeText(RangeAttribute range)
    {
        string min = Format(range.Minimum);
        string max = Format(range.Maximum);
        bool unbounded = range.Maximum is int.MaxValue or double.MaxValue;
        string lower = range.MinimumIsExclusive ? $"greater than {min}" : $"at least {min}";
        if (unbounded)
        {
            return $"it must be {lower}";
        }

        return $"it must be in {(range.MinimumIsExclusive ? "(" : "[")}{min}, {max}{(range.MaximumIsExclusive ? ")" : "]")}";
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
