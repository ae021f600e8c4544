using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vit.Pretrained;

namespace Vit.Core;

/// <summary>
/// <see cref="VisionTransformerOptions"/> as <c>config.json</c>'s <c>vit_options</c>: every settable property under its
/// snake_case name (<c>ImageSize</c> → <c>image_size</c>), enums as snake_case strings. Reading requires every field
/// and rejects unknown ones, so a config either describes the model completely or fails naming the field; only the
/// fields added with timm's building blocks may be absent (configs written before them), and then take their defaults.
/// </summary>
internal static class VitOptionsJson
{
    // Added after vit_options was first written: a config without them describes a model with their defaults.
    private static readonly HashSet<string> Optional = new(StringComparer.Ordinal)
    {
        "class_token", "register_tokens", "distillation_token", "position_embedding_covers_prefix", "dynamic_image_size",
        "dynamic_image_pad", "norm", "activation", "mlp", "projection_bias", "qk_norm", "scale_attention_norm",
        "scale_mlp_norm", "pre_norm", "patch_embedding_norm", "final_norm", "fc_norm", "pool_include_prefix", "head_dropout",
        "stem_channels", "stem_strides", "stem_kernel_sizes", "stem_activation", "stem_projection",
    };

    // The original fields first, in declaration order, then the optional ones.
    private static readonly PropertyInfo[] Properties = typeof(VisionTransformerOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite)
        .OrderBy(p => Optional.Contains(JsonName(p.Name)))
        .ThenBy(p => p.MetadataToken)
        .ToArray();


    public static string JsonName(string propertyName) => JsonNamingPolicy.SnakeCaseLower.ConvertName(propertyName);

    public static JsonObject Write(VisionTransformerOptions options)
    {
        var json = new JsonObject();
        foreach (var property in Properties)
        {
            object? value = property.GetValue(options);
            json[JsonName(property.Name)] = value switch
            {
                null => null,
                Enum e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString()),
                int i => i,
                double d => d,
                bool b => b,
                int[] values => new JsonArray([.. values.Select(v => (JsonNode)v)]),
                _ => throw new NotSupportedException($"VisionTransformerOptions.{property.Name} has type {property.PropertyType}, which vit_options cannot hold."),
            };
        }

        return json;
    }

    public static VisionTransformerOptions Read(JsonFields fields)
    {
        var known = Properties.Select(p => JsonName(p.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in fields.Node)
        {
            if (!known.Contains(name))
            {
                throw fields.Invalid(name, $"is not a VisionTransformerOptions field (known: {string.Join(", ", known)})");
            }
        }

        var options = new VisionTransformerOptions();
        foreach (var property in Properties)
        {
            string name = JsonName(property.Name);
            if (Optional.Contains(name) && !fields.Node.ContainsKey(name))
            {
                continue;
            }

            var type = property.PropertyType;
            object? value = type switch
            {
                _ when type == typeof(int) => fields.Int(name),
                _ when type == typeof(double) => fields.Double(name),
                _ when type == typeof(double?) => fields.NullableDouble(name),
                _ when type == typeof(bool) => fields.Bool(name),
                _ when type == typeof(bool?) => fields.NullableBool(name),
                _ when type == typeof(int[]) => fields.Node[name] is null ? null : fields.Ints(name, minimum: 1).ToArray(),
                _ when type.IsEnum => ReadEnum(fields, name, type),
                _ => throw new NotSupportedException($"VisionTransformerOptions.{property.Name} has type {type}, which vit_options cannot hold."),
            };
            property.SetValue(options, value);
        }

        return options;
    }

    private static object ReadEnum(JsonFields fields, string name, Type type)
    {
        string text = fields.String(name);
        foreach (var value in Enum.GetValues(type))
        {
            if (JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()!) == text)
            {
                return value;
            }
        }

        var names = Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n));
        throw fields.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"is '{text}'; expected one of {string.Join(", ", names)}"));
    }
}
