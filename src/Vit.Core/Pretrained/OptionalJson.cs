using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>Reads optional fields of a config written by another library, with that library's default when absent; errors name the file and field.</summary>
internal sealed class OptionalJson(string file, JsonObject node, string prefix)
{
    /// <summary>Gets the object.</summary>
    public JsonObject Node { get; } = node;

    /// <summary>The error for a field whose value is wrong.</summary>
    public InvalidDataException Invalid(string name, string problem) => new($"'{file}': {prefix}{name} {problem}.");

    /// <summary>An integer in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public int Int(string name, int fallback, int minimum = 0, int maximum = int.MaxValue)
    {
        if (Get(name) is not { } node)
        {
            return fallback;
        }

        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out int value))
        {
            throw Invalid(name, $"is {node.ToJsonString()}; expected an integer");
        }

        return value >= minimum && value <= maximum ? value : throw Invalid(name, string.Create(CultureInfo.InvariantCulture, $"is {value}; expected {minimum} to {maximum}"));
    }

    /// <summary>A finite number.</summary>
    public double Double(string name, double fallback)
    {
        if (Get(name) is not { } node)
        {
            return fallback;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsFinite(v.GetValue<double>())
            ? v.GetValue<double>()
            : throw Invalid(name, $"is {node.ToJsonString()}; expected a finite number");
    }

    /// <summary>A boolean.</summary>
    public bool Bool(string name, bool fallback) => Get(name) switch
    {
        null => fallback,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        var node => throw Invalid(name, $"is {node.ToJsonString()}; expected true or false"),
    };

    /// <summary>A string.</summary>
    public string String(string name, string fallback) => Get(name) switch
    {
        null => fallback,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var node => throw Invalid(name, $"is {node.ToJsonString()}; expected a string"),
    };

    /// <summary>An array of numbers, or null when absent.</summary>
    public double[]? Doubles(string name)
    {
        if (Get(name) is not { } node)
        {
            return null;
        }

        if (node is not JsonArray array || array.Count == 0 || array.Count > 64)
        {
            throw Invalid(name, $"is {node.ToJsonString()}; expected 1 to 64 numbers");
        }

        return [.. array.Select(item => item is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsFinite(v.GetValue<double>())
            ? v.GetValue<double>()
            : throw Invalid(name, $"holds {item?.ToJsonString() ?? "null"}; expected finite numbers"))];
    }

    /// <summary>A nested object, or null when absent.</summary>
    public OptionalJson? Object(string name) => Get(name) switch
    {
        null => null,
        JsonObject o => new OptionalJson(file, o, $"{prefix}{name}."),
        var node => throw Invalid(name, $"is {node.ToJsonString()}; expected a JSON object"),
    };

    private JsonNode? Get(string name) => Node.TryGetPropertyValue(name, out var node) ? node : null;
}
