using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>Says in words what a validation attribute allows: the "but must ..." half of an options message.</summary>
internal static class OptionsRequirement
{
    /// <summary>The text after "X.Field is value", e.g. <c>" but must be in [0, 1)"</c>.</summary>
    public static string Describe(ValidationAttribute attribute, string field, bool nullable, object? value)
    {
        if (attribute is ItemRangeAttribute items)
        {
            int index = items.FirstInvalidIndex(value);
            object? item = value is System.Collections.IEnumerable list and not string ? list.Cast<object?>().ElementAt(index) : value;
            return $" but every item must be {Range(items)} (item {index} is {OptionsValueText.Format(item)})";
        }

        string? be = attribute switch
        {
            RangeAttribute range => Range(range),
            EnumDataTypeAttribute enumType => $"{(enumType.EnumType.IsDefined(typeof(FlagsAttribute), false) ? "a combination" : "one")} of {string.Join(", ", Enum.GetNames(enumType.EnumType))}",
            AllowedValuesAttribute allowed => $"one of {List(allowed.Values)}",
            _ => null,
        };
        if (be is not null)
        {
            return $" but must be {(nullable ? "null or " : "")}{be}";
        }

        string? have = attribute switch
        {
            MinLengthAttribute min => $"at least {Count(min.Length, value)}",
            MaxLengthAttribute max => $"at most {Count(max.Length, value)}",
            LengthAttribute length => $"{length.MinimumLength} to {Count(length.MaximumLength, value)}",
            StringLengthAttribute text => text.MinimumLength > 0
                ? $"{text.MinimumLength} to {Count(text.MaximumLength, value)}"
                : $"at most {Count(text.MaximumLength, value)}",
            _ => null,
        };
        if (have is not null)
        {
            return $" but must {(nullable ? "be null or " : "")}have {have}";
        }

        return attribute switch
        {
            DeniedValuesAttribute denied => $" but must not be {(denied.Values.Length == 1 ? "" : "one of ")}{List(denied.Values)}",
            RequiredAttribute => value is null ? " but must be set" : " but must not be empty",
            _ => $": {attribute.FormatErrorMessage(field).TrimEnd('.')}",
        };
    }

    private static string Range(RangeAttribute range)
    {
        // IsValid has run, so Minimum and Maximum hold values of the operand type (even for the string constructor).
        string min = OptionsValueText.Format(range.Minimum);
        string max = OptionsValueText.Format(range.Maximum);
        bool floating = range.Minimum is double or float or decimal;
        bool noMin = range.Minimum is int.MinValue or long.MinValue or double.MinValue or double.NegativeInfinity;
        bool noMax = range.Maximum is int.MaxValue or long.MaxValue or double.MaxValue or double.PositiveInfinity;
        string number = floating ? "a finite number " : "";
        string of = floating ? "of " : "";
        string lower = range.MinimumIsExclusive ? $"greater than {min}" : $"{of}at least {min}";
        string upper = range.MaximumIsExclusive ? $"less than {max}" : $"{of}at most {max}";
        return (noMin, noMax) switch
        {
            (true, true) => floating ? "a finite number" : "an integer",
            (false, true) => number + lower,
            (true, false) => number + upper,
            _ => $"in {(range.MinimumIsExclusive ? "(" : "[")}{min}, {max}{(range.MaximumIsExclusive ? ")" : "]")}",
        };
    }

    private static string Count(int count, object? value) =>
        value is string ? $"{count} character{(count == 1 ? "" : "s")}" : $"{count} item{(count == 1 ? "" : "s")}";

    private static string List(object?[] values) => string.Join(", ", values.Select(OptionsValueText.Format));
}
