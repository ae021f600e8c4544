using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Vit.Inference;

/// <summary>Turns the DataAnnotations on <see cref="ImageClassifierOptions"/> into one exception naming every bad field and its value.</summary>
internal static class OptionsCheck
{
    public static IReadOnlyList<string> Failures(ImageClassifierOptions options)
    {
        var failures = new List<string>();
        foreach (var property in typeof(ImageClassifierOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = property.GetValue(options);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!attribute.IsValid(value))
                {
                    string text = value is null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
                    string expected = attribute switch
                    {
                        RangeAttribute r => string.Create(CultureInfo.InvariantCulture, $"it must be in [{r.Minimum}, {r.Maximum}]"),
                        EnumDataTypeAttribute e => $"it must be one of {string.Join(", ", Enum.GetNames(e.EnumType))}",
                        _ => "it must not be empty",
                    };
                    failures.Add($"{property.Name} is {(value is string ? $"'{text}'" : text)}; {expected}.");
                    break;
                }
            }
        }

        return failures;
    }

    public static void ThrowIfInvalid(ImageClassifierOptions options, string paramName)
    {
        var failures = Failures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException($"Invalid ImageClassifierOptions: {string.Join(" ", failures)}", paramName);
        }
    }
}
