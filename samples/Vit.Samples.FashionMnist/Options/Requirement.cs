using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Vit.Samples.FashionMnist.Options;

/// <summary>
/// Says in words what a <see cref="RangeAttribute"/> or <see cref="AllowedValuesAttribute"/> accepts, in the words
/// Vit's options validator uses (<c>in [0, 1)</c>, <c>a finite number greater than 0</c>, <c>at least 1</c>), so the
/// sample's messages read as the options' own.
/// </summary>
internal static class Requirement
{
    /// <summary>The words for what <paramref name="accepts"/> allows, e.g. <c>in [0, 1]</c>.</summary>
    public static string Of(ValidationAttribute accepts) => accepts switch
    {
        RangeAttribute range => Of(range),
        AllowedValuesAttribute allowed => List([.. allowed.Values.Select(v => $"{v}")], "or"),
        _ => throw new ArgumentException($"{accepts.GetType().Name} has no words here.", nameof(accepts)),
    };

    /// <summary>Items as a sentence lists them: <c>a, b or c</c> (<paramref name="conjunction"/> "or").</summary>
    public static string List(IReadOnlyList<string> items, string conjunction) =>
        items.Count == 1 ? items[0] : $"{string.Join(", ", items.Take(items.Count - 1))} {conjunction} {items[^1]}";

    /// <summary>A value as the messages show it: invariant numbers, quoted text.</summary>
    public static string Show(object? value) => value switch
    {
        string text => $"'{text}'",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => $"{value}",
    };

    private static string Of(RangeAttribute range)
    {
        string min = Show(range.Minimum), max = Show(range.Maximum);
        bool floating = range.Minimum is double;
        if (range.Maximum is int.MaxValue or double.MaxValue)
        {
            string lower = range.MinimumIsExclusive ? $"greater than {min}" : $"{(floating ? "of " : "")}at least {min}";
            return floating ? $"a finite number {lower}" : lower;
        }

        return $"in {(range.MinimumIsExclusive ? "(" : "[")}{min}, {max}{(range.MaximumIsExclusive ? ")" : "]")}";
    }
}
