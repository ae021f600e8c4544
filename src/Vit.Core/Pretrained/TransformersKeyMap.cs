using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Renames Hugging Face transformers' ViT / DINOv2 weights to timm's keys: one target per timm key, whose sources are
/// concatenated on dim 0 (query, key and value become timm's fused <c>qkv</c>). Keys timm's ViT has no place for
/// (ViTModel's <c>pooler</c>, DINOv2's <c>mask_token</c>) are listed as unused with the reason; keys this map does not
/// know pass through unchanged, so the loader reports them as unexpected.
/// </summary>
internal static partial class TransformersKeyMap
{
    private static readonly (Regex Pattern, string Target)[] Renames =
    [
        (Rule(@"embeddings\.cls_token"), "cls_token"),
        (Rule(@"embeddings\.distillation_token"), "dist_token"),
        (Rule(@"embeddings\.register_tokens"), "reg_token"),
        (Rule(@"embeddings\.position_embeddings"), "pos_embed"),
        (Rule(@"embeddings\.patch_embeddings\.projection\.(weight|bias)"), "patch_embed.proj.$1"),
        (Rule(@"encoder\.layer\.(\d+)\.(?:layernorm_before|norm1)\.(weight|bias)"), "blocks.$1.norm1.$2"),
        (Rule(@"encoder\.layer\.(\d+)\.(?:layernorm_after|norm2)\.(weight|bias)"), "blocks.$1.norm2.$2"),
        (Rule(@"encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias)"), "blocks.$1.attn.proj.$2"),
        (Rule(@"encoder\.layer\.(\d+)\.(?:intermediate\.dense|mlp\.fc1|mlp\.weights_in)\.(weight|bias)"), "blocks.$1.mlp.fc1.$2"),
        (Rule(@"encoder\.layer\.(\d+)\.(?:output\.dense|mlp\.fc2|mlp\.weights_out)\.(weight|bias)"), "blocks.$1.mlp.fc2.$2"),
        (Rule(@"encoder\.layer\.(\d+)\.layer_scale(1|2)\.lambda1"), "blocks.$1.ls$2.gamma"),
        (Rule(@"layernorm\.(weight|bias)"), "norm.$1"),
        (Rule(@"classifier\.(weight|bias)"), "head.$1"),
    ];

    private static readonly (Regex Pattern, string Reason)[] Unused =
    [
        (Rule(@"pooler\.dense\.(weight|bias)"), "ViTModel's pooler (tanh(dense(class token))), which timm's ViT has not; ForwardHead(features, preLogits: true) gives the class token after the final norm"),
        (Rule(@"embeddings\.mask_token"), "DINOv2's mask token, used only in masked pre-training"),
    ];

    /// <summary>A plan: each timm key and the source keys that make it (in concatenation order), plus the unused source keys.</summary>
    public sealed record Plan(IReadOnlyDictionary<string, IReadOnlyList<string>> Targets, IReadOnlyDictionary<string, string> UnusedKeys);

    /// <summary>Maps source key names (a leading <c>vit.</c> or <c>dinov2.</c> model prefix is dropped).</summary>
    public static Plan Map(IEnumerable<string> sourceKeys)
    {
        var targets = new SortedDictionary<string, List<(int Order, string Source)>>(StringComparer.Ordinal);
        var unused = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string source in sourceKeys)
        {
            string key = StripModelPrefix(source);
            if (Unused.FirstOrDefault(u => u.Pattern.IsMatch(key)) is { Pattern: not null } skip)
            {
                unused.Add(source, skip.Reason);
                continue;
            }

            var (target, order) = Target(key);
            if (!targets.TryGetValue(target, out var parts))
            {
                targets.Add(target, parts = []);
            }

            parts.Add((order, source));
        }

        return new Plan(
            targets.ToDictionary(t => t.Key, t => (IReadOnlyList<string>)[.. t.Value.OrderBy(p => p.Order).Select(p => p.Source)], StringComparer.Ordinal),
            unused);
    }

    /// <summary>The timm-named shapes a plan gives (concatenated parts add up on dim 0).</summary>
    public static Dictionary<string, long[]> Shapes(Plan plan, IReadOnlyDictionary<string, long[]> sourceShapes) =>
        plan.Targets.ToDictionary(
            t => t.Key,
            t =>
            {
                var first = (long[])sourceShapes[t.Value[0]].Clone();
                if (first.Length > 0)
                {
                    first[0] = t.Value.Sum(s => sourceShapes[s].Length > 0 ? sourceShapes[s][0] : 0);
                }

                return first;
            },
            StringComparer.Ordinal);

    /// <summary>The timm-named tensors a plan gives (new tensors; the sources are not modified).</summary>
    public static Dictionary<string, Tensor> Tensors(Plan plan, IReadOnlyDictionary<string, Tensor> source) =>
        plan.Targets.ToDictionary(
            t => t.Key,
            t => t.Value.Count == 1 ? source[t.Value[0]].alias() : torch.cat([.. t.Value.Select(s => source[s])], 0),
            StringComparer.Ordinal);

    private static (string Target, int Order) Target(string key)
    {
        var qkv = QueryKeyValue().Match(key);
        if (qkv.Success)
        {
            int order = qkv.Groups[2].Value switch { "query" => 0, "key" => 1, _ => 2 };
            return ($"blocks.{qkv.Groups[1].Value}.attn.qkv.{qkv.Groups[3].Value}", order);
        }

        foreach (var (pattern, target) in Renames)
        {
            var match = pattern.Match(key);
            if (match.Success)
            {
                return (match.Result(target), 0);
            }
        }

        return (key, 0);
    }

    private static string StripModelPrefix(string key) =>
        key.StartsWith("vit.", StringComparison.Ordinal) ? key["vit.".Length..]
        : key.StartsWith("dinov2.", StringComparison.Ordinal) ? key["dinov2.".Length..]
        : key;

    private static Regex Rule(string pattern) => new($"^{pattern}$", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)$")]
    private static partial Regex QueryKeyValue();
}
