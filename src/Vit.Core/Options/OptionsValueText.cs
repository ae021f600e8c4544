using System.Collections;
using System.Globalization;

namespace Vit.Core;

/// <summary>Formats option values for validation messages, the same way in every culture.</summary>
internal static class OptionsValueText
{
    private const int MaxItems = 16;

    public static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => List(items),
        _ => value.ToString() ?? "null",
    };

    private static string List(IEnumerable items)
    {
        var shown = new List<string>();
        int count = 0;
        foreach (object? item in items)
        {
            if (count++ < MaxItems)
            {
                shown.Add(Format(item));
            }
        }

        string more = count > MaxItems ? $", ... ({count} items)" : "";
        return $"[{string.Join(", ", shown)}{more}]";
    }
}
