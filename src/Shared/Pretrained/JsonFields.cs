using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vit.Pretrained;

/// <summary>Reads required fields of one JSON object; every error names the file, the field's path and what was expected.</summary>
internal sealed class JsonFields
{
    private readonly string _file;
    private readonly string _prefix;

    /// <summary>Wraps <paramref name="node"/>, found at <paramref name="prefix"/> (empty for the root) in <paramref name="file"/>.</summary>
    public JsonFields(string file, JsonObject node, string prefix)
    {
        _file = file;
        Node = node;
        _prefix = prefix;
    }

    /// <summary>Gets the object.</summary>
    public JsonObject Node { get; }

    /// <summary>Gets the file the object was read from, as messages name it.</summary>
    public string FilePath => _file;

    /// <summary>The error for a field whose value is wrong.</summary>
    public InvalidDataException Invalid(string name, string problem) => new($"'{_file}': {_prefix}{name} {problem}.");

    /// <summary>A required nested object.</summary>
    public JsonFields Object(string name) =>
        Required(name) is JsonObject o ? new JsonFields(_file, o, $"{_prefix}{name}.") : throw Invalid(name, "is not a JSON object");

    /// <summary>A required string.</summary>
    public string String(string name) => Value(name, JsonValueKind.String, "a string").GetValue<string>();

    /// <summary>A required integer no smaller than <paramref name="minimum"/>.</summary>
    public int Int(string name, int minimum = int.MinValue)
    {
        var value = Value(name, JsonValueKind.Number, "an integer");
        if (!value.TryGetValue(out int result))
        {
            throw Invalid(name, $"is {value.ToJsonString()}; expected an integer");
        }

        return result >= minimum ? result : throw Invalid(name, string.Create(CultureInfo.InvariantCulture, $"is {result}; expected at least {minimum}"));
    }

    /// <summary>A required number.</summary>
    public double Double(string name) => Value(name, JsonValueKind.Number, "a number").GetValue<double>();

    /// <summary>A required boolean.</summary>
    public bool Bool(string name)
    {
        var node = Required(name);
        return node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? v.GetValue<bool>()
            : throw Invalid(name, $"is {node.ToJsonString()}; expected true or false");
    }

    /// <summary>A field that must be present and may be null; null, true or false.</summary>
    public bool? NullableBool(string name)
    {
        if (!Node.TryGetPropertyValue(name, out var node))
        {
            throw Invalid(name, "is missing");
        }

        return node is null ? null
            : node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>()
            : throw Invalid(name, $"is {node.ToJsonString()}; expected true, false or null");
    }

    /// <summary>A field that must be present and may be null; null or a number.</summary>
    public double? NullableDouble(string name)
    {
        if (!Node.TryGetPropertyValue(name, out var node))
        {
            throw Invalid(name, "is missing");
        }

        return node is null ? null : Value(name, JsonValueKind.Number, "a number or null").GetValue<double>();
    }

    /// <summary>A required non-empty array of strings.</summary>
    public IReadOnlyList<string> Strings(string name) => Array(name, JsonValueKind.String, "strings", v => v.GetValue<string>());

    /// <summary>A required non-empty array of integers, each at least <paramref name="minimum"/>.</summary>
    public IReadOnlyList<int> Ints(string name, int minimum)
    {
        var values = Array(name, JsonValueKind.Number, "integers", v => v.TryGetValue(out int i) ? i : throw Invalid(name, "holds a value that is not an integer"));
        return values.All(v => v >= minimum) ? values : throw Invalid(name, string.Create(CultureInfo.InvariantCulture, $"holds a value below {minimum}"));
    }

    /// <summary>A required non-empty array of numbers.</summary>
    public IReadOnlyList<double> Doubles(string name) => Array(name, JsonValueKind.Number, "numbers", v => v.GetValue<double>());

    private JsonNode Required(string name) =>
        Node.TryGetPropertyValue(name, out var node) && node is not null ? node : throw Invalid(name, "is missing");

    private JsonValue Value(string name, JsonValueKind kind, string expected)
    {
        var node = Required(name);
        return node is JsonValue value && value.GetValueKind() == kind ? value : throw Invalid(name, $"is {node.ToJsonString()}; expected {expected}");
    }

    private List<T> Array<T>(string name, JsonValueKind kind, string expected, Func<JsonValue, T> read)
    {
        if (Required(name) is not JsonArray array || array.Count == 0)
        {
            throw Invalid(name, $"is not a non-empty array of {expected}");
        }

        var values = new List<T>(array.Count);
        foreach (var item in array)
        {
            values.Add(item is JsonValue v && v.GetValueKind() == kind ? read(v) : throw Invalid(name, $"holds {item?.ToJsonString() ?? "null"}; expected {expected}"));
        }

        return values;
    }
}
