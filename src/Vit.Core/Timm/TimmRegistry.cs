using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// timm's ViT architectures by name, as the keyword arguments <c>timm.create_model(name)</c> passes to the model
/// (the embedded <c>TimmArchitectures.json</c>, written from timm's source by eng/timm-coverage/extract_registry.py).
/// </summary>
internal static class TimmRegistry
{
    private static readonly Lazy<(string Version, SortedDictionary<string, JsonObject> Architectures)> Table = new(Load);

    /// <summary>Gets every architecture name, sorted.</summary>
    public static IReadOnlyCollection<string> Names => Table.Value.Architectures.Keys;

    /// <summary>Gets the timm version the table was read from.</summary>
    public static string TimmVersion => Table.Value.Version;

    /// <summary>
    /// The architecture's function arguments and its default pretrained cfg (copies), or null when timm has no
    /// architecture of that name.
    /// </summary>
    public static (JsonObject Arguments, JsonObject PretrainedCfg)? Find(string name) =>
        Table.Value.Architectures.TryGetValue(name, out var entry)
            ? ((JsonObject)entry["args"]!.DeepClone(), (JsonObject?)entry["pretrained_cfg"]?.DeepClone() ?? [])
            : null;

    /// <summary>
    /// The arguments <c>timm.create_model(name, pretrained_cfg=cfg, **overrides)</c> passes to the model:
    /// <paramref name="overrides"/> over the function's arguments, then timm's <c>_update_default_model_kwargs</c>:
    /// <c>num_classes</c>, <c>global_pool</c>, <c>in_chans</c> and (with <c>fixed_input_size</c>) <c>img_size</c> from
    /// the cfg where neither gives them.
    /// </summary>
    public static JsonObject Resolve(JsonObject functionArguments, JsonObject overrides, JsonObject pretrainedCfg)
    {
        var args = TimmArguments.Merge(functionArguments, overrides);
        if (pretrainedCfg["num_classes"] is JsonValue classes && classes.TryGetValue(out int numClasses) && numClasses >= 0)
        {
            args.TryAdd("num_classes", numClasses);
        }

        if (pretrainedCfg["global_pool"] is JsonValue pool && pool.TryGetValue(out string? globalPool) && globalPool.Length > 0)
        {
            args.TryAdd("global_pool", globalPool);
        }

        if (pretrainedCfg["input_size"] is JsonArray { Count: 3 } size)
        {
            args.TryAdd("in_chans", size[0]?.DeepClone());
            if (pretrainedCfg["fixed_input_size"] is JsonValue fixedSize && fixedSize.TryGetValue(out bool isFixed) && isFixed)
            {
                args.TryAdd("img_size", new JsonArray(size[1]?.DeepClone(), size[2]?.DeepClone()));
            }
        }

        return args;
    }

    /// <summary>The known names nearest to <paramref name="name"/> (edit distance), for "did you mean" messages.</summary>
    public static IReadOnlyList<string> Closest(string name, int count = 3) =>
        [.. Names.OrderBy(n => EditDistance(name.ToLowerInvariant(), n)).ThenBy(n => n, StringComparer.Ordinal).Take(count)];

    private static (string, SortedDictionary<string, JsonObject>) Load()
    {
        using var stream = typeof(TimmRegistry).Assembly.GetManifestResourceStream("Vit.Core.Timm.TimmArchitectures.json")
            ?? throw new InvalidOperationException("Vit.Core was built without its TimmArchitectures.json resource.");
        var root = JsonNode.Parse(stream)!.AsObject();
        var table = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (name, args) in root["architectures"]!.AsObject())
        {
            table.Add(name, args!.AsObject());
        }

        return (root["timm_version"]!.GetValue<string>(), table);
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
