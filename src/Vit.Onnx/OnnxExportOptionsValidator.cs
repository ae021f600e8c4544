using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Vit.Onnx;

/// <summary>Validates <see cref="OnnxExportOptions"/> from its DataAnnotations ranges; every message names the field and its value.</summary>
public sealed class OnnxExportOptionsValidator : IValidateOptions<OnnxExportOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OnnxExportOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every rule <paramref name="options"/> breaks, one message each (empty when valid).</summary>
    /// <param name="options">The options to check.</param>
    /// <returns>The failure messages.</returns>
    public static IReadOnlyList<string> Failures(OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in typeof(OnnxExportOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = property.GetValue(options);
            foreach (var range in property.GetCustomAttributes<RangeAttribute>())
            {
                if (!range.IsValid(value))
                {
                    string max = range.Maximum is int.MaxValue ? string.Empty : $", {range.Maximum}]";
                    failures.Add(string.Create(CultureInfo.InvariantCulture, $"{property.Name} is {value}; it must be {(max.Length == 0 ? $"at least {range.Minimum}" : $"in [{range.Minimum}{max}")}."));
                }
            }
        }

        return failures;
    }

    internal static void ThrowIfInvalid(OnnxExportOptions options, string paramName)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException($"Invalid OnnxExportOptions: {string.Join(" ", failures)}", paramName);
        }
    }
}
