using System.Globalization;
using Vit.Input;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vit.Pretrained;

namespace Vit.Inference;

/// <summary>Optional and finite-number fields of a JSON object, every error naming the file and field (through <see cref="JsonFields"/>).</summary>
internal static class ConfigValues
{
    /// <summary>An optional boolean; <paramref name="fallback"/> when absent or null.</summary>
    public static bool Bool(JsonFields fields, string name, bool fallback) => Present(fields, name) ? fields.Bool(name) : fallback;

    /// <summary>An optional finite number; <paramref name="fallback"/> when absent or null.</summary>
    public static double Finite(JsonFields fields, string name, double fallback)
    {
        if (!Present(fields, name))
        {
            return fallback;
        }

        var node = fields.Node[name];
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out double result) && double.IsFinite(result)
            ? result
            : throw fields.Invalid(name, $"is {node!.ToJsonString()}; expected a finite number");
    }

    /// <summary>
    /// A list of finite numbers, one per channel (a single number is repeated, as transformers allows), or
    /// <paramref name="fallback"/> when absent; <paramref name="positive"/> also rejects zero and negatives (a std).
    /// </summary>
    public static IReadOnlyList<double> PerChannel(JsonFields fields, string name, int channels, IReadOnlyList<double>? fallback, bool positive)
    {
        IReadOnlyList<double> values;
        if (!Present(fields, name))
        {
            values = fallback ?? throw fields.Invalid(name, "is missing");
        }
        else if (fields.Node[name] is JsonArray array)
        {
            values = [.. array.Select((item, i) => item is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d) && double.IsFinite(d)
                ? d
                : throw fields.Invalid(name, $"holds {item?.ToJsonString() ?? "null"} at index {i}; expected finite numbers"))];
        }
        else
        {
            values = [.. Enumerable.Repeat(Finite(fields, name, 0), channels)];
        }

        if (values.Count != channels)
        {
            throw fields.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"has {values.Count} values; the model takes {channels} channels"));
        }

        int bad = positive ? values.ToList().FindIndex(v => !(v > 0)) : -1;
        if (bad >= 0)
        {
            throw fields.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"holds {values[bad]} at index {bad}; expected a positive number (pixels are divided by it)"));
        }

        // Bounded so that normalised pixels stay finite floats: a std of 5e-324 or a mean of 1e308 overflow them.
        double low = positive ? InputLimits.MinStd : -InputLimits.MaxMeanMagnitude, high = positive ? InputLimits.MaxStd : InputLimits.MaxMeanMagnitude;
        int outside = values.ToList().FindIndex(v => v < low || v > high);
        return outside < 0
            ? values
            : throw fields.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"holds {values[outside]}; expected {(positive ? string.Empty : "finite ")}values in [{low}, {high}]"));
    }

    /// <summary>Whether the field is present and not null.</summary>
    public static bool Present(JsonFields fields, string name) => fields.Node.TryGetPropertyValue(name, out var node) && node is not null;
}
