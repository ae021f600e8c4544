using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// The keyword arguments of timm's <c>VisionTransformer</c> (and deit's <c>distilled</c>), read from JSON with timm's
/// defaults for every argument not given. Values are timm's: a layer is a name (<c>"rmsnorm"</c>, <c>"RmsNorm"</c>,
/// <c>"gelu_tanh"</c>) or a <c>functools.partial</c> written <c>{"layer": name, ...keyword arguments}</c>.
/// Reading checks types and names only; <see cref="TimmOptionsMapper"/> decides what Vit can build.
/// </summary>
internal sealed class TimmArguments
{
    /// <summary>timm's <c>VisionTransformer.__init__</c> arguments this reader knows, with the deit <c>distilled</c> flag.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "img_size", "patch_size", "in_chans", "num_classes", "global_pool", "embed_dim", "depth", "num_heads", "mlp_ratio",
        "qkv_bias", "qk_norm", "scale_attn_norm", "scale_mlp_norm", "proj_bias", "init_values", "class_token", "pos_embed",
        "no_embed_class", "reg_tokens", "pre_norm", "final_norm", "fc_norm", "pool_include_prefix", "dynamic_img_size",
        "dynamic_img_pad", "drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate", "attn_drop_rate",
        "drop_path_rate", "weight_init", "fix_init", "embed_layer", "embed_norm_layer", "norm_layer", "act_layer",
        "block_fn", "mlp_layer", "attn_layer", "distilled",
    ];

    private readonly JsonObject _values;
    private readonly Func<string, string, Exception> _error;

    private TimmArguments(JsonObject values, Func<string, string, Exception> error)
    {
        _values = values;
        _error = error;
    }

    /// <summary>
    /// Wraps <paramref name="values"/>; <paramref name="error"/> makes the exception for an argument
    /// (<c>(name, problem)</c>, the problem a phrase such as <c>is "x"; expected a number</c>).
    /// </summary>
    /// <exception cref="Exception">An argument timm's VisionTransformer does not take (made by <paramref name="error"/>).</exception>
    public static TimmArguments Read(JsonObject values, Func<string, string, Exception> error)
    {
        foreach (var (name, _) in values)
        {
            if (!Names.Contains(name))
            {
                throw error(name, "is not an argument of timm's VisionTransformer");
            }
        }

        return new TimmArguments(values, error);
    }

    /// <summary>Applies <paramref name="overrides"/> over <paramref name="basis"/>, as <c>dict(model_args, **kwargs)</c> does.</summary>
    public static JsonObject Merge(JsonObject basis, JsonObject overrides)
    {
        var merged = (JsonObject)basis.DeepClone();
        foreach (var (name, value) in overrides)
        {
            merged[name] = value?.DeepClone();
        }

        return merged;
    }

    /// <summary>The exception for argument <paramref name="name"/>.</summary>
    public Exception Error(string name, string problem) => _error(name, problem);

    /// <summary>An integer argument (timm's <c>img_size</c> / <c>patch_size</c> may be a square pair).</summary>
    public int Int(string name, int fallback)
    {
        var node = Node(name);
        if (node is null)
        {
            return fallback;
        }

        if (node is JsonArray pair)
        {
            if (pair.Count == 2 && pair[0] is JsonValue a && pair[1] is JsonValue b && a.TryGetValue(out int first) && b.TryGetValue(out int second))
            {
                return first == second ? first : throw _error(name, $"is {pair.ToJsonString()}; Vit builds square inputs and patches only");
            }

            throw _error(name, $"is {pair.ToJsonString()}; expected an integer or a pair of equal integers");
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int result)
            ? result
            : throw _error(name, $"is {node.ToJsonString()}; expected an integer");
    }

    /// <summary>A number argument.</summary>
    public double Double(string name, double fallback) => NullableDouble(name) ?? fallback;

    /// <summary>A number argument that may be null (<c>init_values</c>).</summary>
    public double? NullableDouble(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsFinite(v.GetValue<double>())
            ? v.GetValue<double>()
            : throw _error(name, $"is {node.ToJsonString()}; expected a finite number");
    }

    /// <summary>A boolean argument.</summary>
    public bool Bool(string name, bool fallback) => NullableBool(name) ?? fallback;

    /// <summary>A boolean argument that may be null (<c>fc_norm</c>: null means "decided by global_pool").</summary>
    public bool? NullableBool(string name)
    {
        var node = Node(name);
        return node switch
        {
            null => null,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw _error(name, $"is {node.ToJsonString()}; expected true, false or null"),
        };
    }

    /// <summary>A string argument.</summary>
    public string String(string name, string fallback)
    {
        var node = Node(name);
        return node switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw _error(name, $"is {node.ToJsonString()}; expected a string"),
        };
    }

    /// <summary>
    /// A layer argument: its name and its bound keyword arguments (empty unless a partial). A null or absent
    /// argument gives <paramref name="fallback"/>.
    /// </summary>
    public (string Layer, JsonObject Arguments)? Layer(string name, string? fallback)
    {
        var node = Node(name);
        if (node is null)
        {
            return fallback is { } f ? (f, new JsonObject()) : null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return (v.GetValue<string>(), new JsonObject());
        }

        if (node is JsonObject partial && partial["layer"] is JsonValue layer && layer.GetValueKind() == JsonValueKind.String)
        {
            var arguments = (JsonObject)partial.DeepClone();
            arguments.Remove("layer");
            return (layer.GetValue<string>(), arguments);
        }

        throw _error(name, $"is {node.ToJsonString()}; expected a layer name or {{\"layer\": name, ...}}");
    }

    /// <summary>A number bound in a partial layer's arguments (e.g. the <c>eps</c> of <c>partial(LayerNorm, eps=1e-5)</c>).</summary>
    public double? LayerNumber(string name, JsonObject arguments, string key)
    {
        if (!arguments.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsFinite(v.GetValue<double>())
            ? v.GetValue<double>()
            : throw _error(name, string.Create(CultureInfo.InvariantCulture, $"has {key} {node.ToJsonString()}; expected a finite number"));
    }

    private JsonNode? Node(string name) => _values.TryGetPropertyValue(name, out var node) ? node : null;
}
