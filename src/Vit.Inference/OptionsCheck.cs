using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Vit.Inference;

/// <summary>
/// Validates <see cref="ImageClassifierOptions"/> and <see cref="ImageEmbedderOptions"/> from its DataAnnotations attributes, with the messages and the one
/// exception type Vit's options use everywhere (Vit.Core's <c>OptionsValidator</c>, which this package cannot reference
/// without TorchSharp): <c>ImageClassifierOptions.IntraOpNumThreads is -1 but must be in [0, 1024]</c>.
/// </summary>
internal static class OptionsCheck
{
    public static IReadOnlyList<string> Failures<TOptions>(TOptions options)
        where TOptions : class
    {
        var failures = new List<string>();
        foreach (var property in typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            object? value = property.GetValue(options);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!attribute.IsValid(value))
                {
                    string shown = value switch
                    {
                        null => "null",
                        string s => $"\"{s}\"",
                        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
                    };
                    string expected = attribute switch
                    {
                        RangeAttribute r => string.Create(CultureInfo.InvariantCulture, $"must be in [{r.Minimum}, {r.Maximum}]"),
                        EnumDataTypeAttribute e => $"must be one of {string.Join(", ", Enum.GetNames(e.EnumType))}",
                        _ => "must not be empty",
                    };
                    failures.Add($"{typeof(TOptions).Name}.{property.Name} is {shown} but {expected}");
                    break;
                }
            }
        }

        return failures;
    }

    /// <exception cref="OptionsValidationException">The options break a rule; one failure per field.</exception>
    public static void ThrowIfInvalid<TOptions>(TOptions options)
        where TOptions : class
    {
        var failures = Failures(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(TOptions), failures);
        }
    }
}
