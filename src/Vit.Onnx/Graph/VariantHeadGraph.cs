using TorchSharp;
using Vit.Core;

namespace Vit.Onnx;

/// <summary>
/// The head of any variant on the final tokens <c>[N, T, D]</c>: pooling (class token, mean, max, avg+max, timm's
/// AttentionPoolLatent), fc_norm, classifier; a distilled model averages the class and distillation heads.
/// </summary>
internal static class VariantHeadGraph
{
    /// <summary>Returns the logits and the embeddings (timm's pre-logits) values; a model without a classifier gives an Identity of the embeddings as logits.</summary>
    public static (string Logits, string Embeddings) Write(VariantLayers l, VisionTransformerOptions o, string tokens)
    {
        var g = l.G;
        if (o.DistillationToken)
        {
            string cls = g.Node("Gather", "class_pool", [tokens, g.Int64Scalar("index_0", 0)], OnnxGraphBuilder.Int("axis", 1));
            string dist = g.Node("Gather", "dist_pool", [tokens, g.Int64Scalar("index_1", 1)], OnnxGraphBuilder.Int("axis", 1));
            string mean = g.Node("Mul", "distilled_pre_logits", [g.Node("Add", "distilled_sum", [cls, dist]), g.Scalar("half", 0.5f)]);
            if (!l.Has("head.weight"))
            {
                return (g.Node("Identity", "head", [mean]), mean);
            }

            string both = g.Node("Add", "heads_sum", [Classifier(l, "head", cls), Classifier(l, "head_dist", dist)]);
            return (g.Node("Mul", "heads_mean", [both, g.Scalar("half", 0.5f)]), mean);
        }

        string pooled = Pool(l, o, tokens);
        if (l.Has("fc_norm.weight"))
        {
            pooled = l.Norm("fc_norm", pooled);
        }

        return (l.Has("head.weight") ? Classifier(l, "head", pooled) : g.Node("Identity", "head", [pooled]), pooled);
    }

    private static string Classifier(VariantLayers l, string key, string input) =>
        l.G.Node("Gemm", key, [input, l.G.Float(key + ".weight", l.Get(key + ".weight")), l.G.Float(key + ".bias", l.Get(key + ".bias"))], OnnxGraphBuilder.Int("transB", 1));

    private static string Pool(VariantLayers l, VisionTransformerOptions o, string tokens)
    {
        var g = l.G;
        if (o.Pooling == Pooling.ClassToken)
        {
            return g.Node("Gather", "class_pool", [tokens, g.Int64Scalar("index_0", 0)], OnnxGraphBuilder.Int("axis", 1));
        }

        int prefix = o.PoolIncludePrefix ? 0 : o.NumPrefixTokens;
        string patches = prefix == 0 ? tokens
            : g.Node("Slice", "patch_tokens_only", [tokens, g.Int64("prefix_end", prefix), g.Int64("tokens_end", long.MaxValue), g.Int64("token_axis", 1)]);
        return o.Pooling switch
        {
            Pooling.Mean => l.Reduce("ReduceMean", "mean_pool", patches, 1, keepDims: false),
            Pooling.Max => l.Reduce("ReduceMax", "max_pool", patches, 1, keepDims: false),
            Pooling.AvgMax => g.Node("Mul", "avgmax_pool", [g.Node("Add", "avgmax_sum", [l.Reduce("ReduceMax", "max_pool", patches, 1, keepDims: false), l.Reduce("ReduceMean", "mean_pool", patches, 1, keepDims: false)]), g.Scalar("half", 0.5f)]),
            Pooling.AttentionPool => AttentionPool(l, o, patches),
            _ => throw new NotSupportedException($"Pooling {o.Pooling} has no ONNX form."),
        };
    }

    /// <summary>
    /// timm's AttentionPoolLatent: one learned latent query (a constant here: its projection is folded, scaled by
    /// 1/√Dh) attends over the tokens; proj; then x + mlp(norm(x)). Returns <c>[N, D]</c>.
    /// </summary>
    private static string AttentionPool(VariantLayers l, VisionTransformerOptions o, string patches)
    {
        var g = l.G;
        const string p = "attn_pool.";
        int d = o.EmbedDim, heads = o.NumHeads, headDim = d / heads;
        var latent = l.Get(p + "latent").reshape(-1, d);
        using var scale = (1.0 / Math.Sqrt(headDim)).ToScalar();
        var query = latent.matmul(l.Get(p + "q.weight").t()).add(l.Get(p + "q.bias"), ScalarConstants.One).mul(scale);

        // The query as [1, H, Lq, Dh]; keys and values split from kv's [2D, D] weight.
        var queryHeads = query.reshape(1, -1, heads, headDim).permute(0, 2, 1, 3).contiguous();
        var kv = l.Get(p + "kv.weight");
        var kvBias = l.Get(p + "kv.bias");
        string split = g.Shape(0, 0, heads, headDim);
        string k = g.Node("Reshape", p + "k_split", [l.Linear(p + "k", patches, kv[..d], kvBias[..d]), split]);
        string v = g.Node("Reshape", p + "v_split", [l.Linear(p + "v", patches, kv[d..], kvBias[d..]), split]);
        string kt = g.Node("Transpose", p + "k_heads_t", [k], OnnxGraphBuilder.Ints("perm", 0, 2, 3, 1));
        string vh = g.Node("Transpose", p + "v_heads", [v], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        string scores = g.Node("MatMul", p + "scores", [g.Float(p + "query_heads", queryHeads), kt]);
        string probabilities = g.Node("Softmax", p + "softmax", [scores], OnnxGraphBuilder.Int("axis", -1));
        string attended = g.Node("MatMul", p + "attend", [probabilities, vh]);

        // [N, H, 1, Dh] is laid out as [N, 1, H, Dh] (one query), so a Reshape merges the heads.
        string merged = g.Node("Reshape", p + "merge", [attended, g.Shape(-1, d)]);
        string x = l.Linear(p + "proj", merged);
        string hidden = l.Activation(p + "mlp", l.Linear(p + "mlp.fc1", l.Norm(p + "norm", x)));
        return g.Node("Add", p + "residual", [x, l.Linear(p + "mlp.fc2", hidden)]);
    }
}
