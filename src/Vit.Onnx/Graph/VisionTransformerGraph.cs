using System.Globalization;
using Onnx;
using TorchSharp;
using Vit.Core;
using static Vit.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// Builds the ONNX graph of a <see cref="VisionTransformer"/> from its timm-named weights. Folds what is constant at
/// inference: the attention scale into the query weights, LayerScale into the projections before it, the class
/// token's position embedding into the class token; the class token is picked before the final norm (a per-token op).
/// </summary>
internal static class VisionTransformerGraph
{
    private const string MicrosoftDomain = "com.microsoft";

    public static ModelProto Build(VisionTransformer model, OnnxExportOptions exportOptions)
    {
        var o = model.Options;
        using var scope = torch.NewDisposeScope();
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(ScalarType.Float32).cpu(), StringComparer.Ordinal);
        var graph = new GraphProto { Name = "vision_transformer" };
        var g = new OnnxGraphBuilder(graph);
        var weights = new Weights(g, state);

        int d = o.EmbedDim, heads = o.NumHeads, headDim = d / heads, grid = o.GridSize, patches = grid * grid;
        bool classToken = o.Pooling == Pooling.ClassToken;
        int tokens = patches + (classToken ? 1 : 0);

        // Patch embedding: one strided convolution, [N, D, g, g] -> [N, g*g, D].
        string conv = g.Node("Conv", "patch_embed", [OnnxExport.InputName, weights.Raw("patch_embed.proj.weight"), weights.Raw("patch_embed.proj.bias")],
            Ints("kernel_shape", o.PatchSize, o.PatchSize), Ints("strides", o.PatchSize, o.PatchSize));
        string flat = g.Node("Reshape", "patch_flatten", [conv, g.Int64("shape_patch_flatten", 0, d, patches)]);
        string x = g.Node("Transpose", "patch_tokens", [flat], Ints("perm", 0, 2, 1));

        var pos = state["pos_embed"];
        if (classToken)
        {
            string patchPos = g.Float("pos_embed_patches", Values(pos[.., 1..]), 1, patches, d);
            x = g.Node("Add", "pos_add", [x, patchPos]);
            string clsPos = g.Float("cls_token_with_pos", Values(state["cls_token"] + pos[.., ..1]), 1, 1, d);
            string shape = g.Node("Shape", "images_shape", [OnnxExport.InputName]);
            string batch = g.Node("Slice", "batch", [shape, g.Int64("slice_0", 0), g.Int64("slice_1", 1)]);
            string clsShape = g.Node("Concat", "cls_shape", [batch, g.Int64("one_and_width", 1, d)], Int("axis", 0));
            string cls = g.Node("Expand", "cls_tokens", [clsPos, clsShape]);
            x = g.Node("Concat", "tokens", [cls, x], Int("axis", 1));
        }
        else
        {
            x = g.Node("Add", "pos_add", [x, weights.Raw("pos_embed")]);
        }

        string sqrt2 = g.Scalar("sqrt2", (float)Math.Sqrt(2.0));
        string one = g.Scalar("one", 1f);
        string half = g.Scalar("half", 0.5f);
        bool fused = exportOptions.OnnxRuntimeAttention;
        string qkvShape = fused ? string.Empty : g.Int64("shape_qkv", 0, tokens, 3, heads, headDim);
        string mergeShape = fused ? string.Empty : g.Int64("shape_merge", 0, tokens, d);
        string splitSizes = fused ? string.Empty : g.Int64("split_qkv", 1, 1, 1);
        string axis0 = fused ? string.Empty : g.Int64("axes_0", 0);
        string splitWidths = fused ? g.Int64("split_qkv_width", d, d, d) : string.Empty;
        float eps = (float)o.LayerNormEpsilon;
        float scale = (float)(1.0 / Math.Sqrt(headDim));

        for (int i = 0; i < o.Depth; i++)
        {
            string p = $"blocks.{i}.";
            string b = $"block{i}";
            bool layerScale = state.ContainsKey(p + "ls1.gamma");

            // Attention branch: LayerNorm -> qkv MatMul+Add -> heads -> softmax(q k^T) v -> proj MatMul+Add.
            string h = g.Node("LayerNormalization", $"{b}_norm1", [x, weights.Raw(p + "norm1.weight"), weights.Raw(p + "norm1.bias")], Int("axis", -1), Float("epsilon", eps));
            var qkvWeight = state[p + "attn.qkv.weight"].clone();
            var qkvBias = state.TryGetValue(p + "attn.qkv.bias", out var bias) ? bias.clone() : null;
            qkvWeight[..d].mul_(scale); // fold the attention scale into the queries (a view: scales the copy in place)
            qkvBias?[..d].mul_(scale);
            string qkv = Linear(g, $"{b}_qkv", h, qkvWeight, qkvBias);
            string attended = fused
                ? FusedAttention(g, b, qkv, splitWidths, heads)
                : StandardAttention(g, b, qkv, qkvShape, splitSizes, axis0, mergeShape);
            var projWeight = state[p + "attn.proj.weight"];
            var projBias = state[p + "attn.proj.bias"];
            if (layerScale)
            {
                var gamma = state[p + "ls1.gamma"];
                projWeight = projWeight * gamma.unsqueeze(1);
                projBias = projBias * gamma;
            }

            string projected = Linear(g, $"{b}_proj", attended, projWeight, projBias);
            x = g.Node("Add", $"{b}_residual1", [x, projected]);

            // MLP branch: LayerNorm -> fc1 MatMul+Add -> exact GELU (Erf pattern) -> fc2 MatMul+Add.
            h = g.Node("LayerNormalization", $"{b}_norm2", [x, weights.Raw(p + "norm2.weight"), weights.Raw(p + "norm2.bias")], Int("axis", -1), Float("epsilon", eps));
            string hidden = Linear(g, $"{b}_fc1", h, state[p + "mlp.fc1.weight"], state[p + "mlp.fc1.bias"]);
            string scaled = g.Node("Div", $"{b}_gelu_div", [hidden, sqrt2]);
            string erf = g.Node("Erf", $"{b}_gelu_erf", [scaled]);
            string shifted = g.Node("Add", $"{b}_gelu_add", [erf, one]);
            string product = g.Node("Mul", $"{b}_gelu_mul", [hidden, shifted]);
            string activated = g.Node("Mul", $"{b}_gelu_half", [product, half]);
            var fc2Weight = state[p + "mlp.fc2.weight"];
            var fc2Bias = state[p + "mlp.fc2.bias"];
            if (layerScale)
            {
                var gamma = state[p + "ls2.gamma"];
                fc2Weight = fc2Weight * gamma.unsqueeze(1);
                fc2Bias = fc2Bias * gamma;
            }

            string output = Linear(g, $"{b}_fc2", activated, fc2Weight, fc2Bias);
            x = g.Node("Add", $"{b}_residual2", [x, output]);
        }

        // Head: pool (class token, or the mean of the tokens), final LayerNorm (norm or fc_norm), classifier.
        string pooled;
        string normKey;
        if (classToken)
        {
            pooled = g.Node("Gather", "class_token", [x, g.Int64Scalar("index_0", 0)], Int("axis", 1));
            normKey = "norm";
        }
        else
        {
            pooled = exportOptions.Opset >= 18
                ? g.Node("ReduceMean", "mean_pool", [x, g.Int64("axes_1", 1)], Int("keepdims", 0))
                : g.Node("ReduceMean", "mean_pool", [x], Ints("axes", 1), Int("keepdims", 0));
            normKey = "fc_norm";
        }

        string features = g.Node("LayerNormalization", normKey, [pooled, weights.Raw(normKey + ".weight"), weights.Raw(normKey + ".bias")], Int("axis", -1), Float("epsilon", eps));
        int outputs = d;
        if (state.ContainsKey("head.weight"))
        {
            g.Node("Gemm", "head", [features, weights.Raw("head.weight"), weights.Raw("head.bias")], Int("transB", 1));
            outputs = o.NumClasses;
        }
        else
        {
            g.Node("Identity", "head", [features]);
        }

        g.RenameLastOutput(OnnxExport.OutputName);

        var batchDim = exportOptions.DynamicBatch
            ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
            : new TensorShapeProto.Types.Dimension { DimValue = exportOptions.BatchSize };
        graph.Input.Add(Value(OnnxExport.InputName, batchDim, o.InChannels, o.ImageSize, o.ImageSize));
        graph.Output.Add(Value(OnnxExport.OutputName, batchDim.Clone(), outputs));

        var proto = new ModelProto
        {
            IrVersion = IrVersion(exportOptions.Opset),
            ProducerName = "Vit.Onnx",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            DocString = string.Create(CultureInfo.InvariantCulture, $"Vision Transformer {o.Depth}x{o.EmbedDim}, {o.NumHeads} heads, patch {o.PatchSize} on {o.InChannels}x{o.ImageSize}x{o.ImageSize}, {(classToken ? "class-token" : "mean")} pooling"),
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = exportOptions.Opset });
        if (exportOptions.OnnxRuntimeAttention)
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return proto;
    }

    /// <summary>Heads from the fused qkv tokens [N, T, 3D]: reshape, transpose, split, then softmax(q k^T) v and merge back to [N, T, D].</summary>
    private static string StandardAttention(OnnxGraphBuilder g, string b, string qkv, string qkvShape, string splitSizes, string axis0, string mergeShape)
    {
        string grouped = g.Node("Reshape", $"{b}_qkv_heads", [qkv, qkvShape]);
        string permuted = g.Node("Transpose", $"{b}_qkv_permute", [grouped], Ints("perm", 2, 0, 3, 1, 4));
        var parts = g.Nodes("Split", $"{b}_qkv_split", [permuted, splitSizes], 3, Int("axis", 0));
        string q = g.Node("Squeeze", $"{b}_q", [parts[0], axis0]);
        string k = g.Node("Squeeze", $"{b}_k", [parts[1], axis0]);
        string v = g.Node("Squeeze", $"{b}_v", [parts[2], axis0]);
        string kT = g.Node("Transpose", $"{b}_k_t", [k], Ints("perm", 0, 1, 3, 2));
        string scores = g.Node("MatMul", $"{b}_scores", [q, kT]);
        string probabilities = g.Node("Softmax", $"{b}_softmax", [scores], Int("axis", -1));
        string heads = g.Node("MatMul", $"{b}_attend", [probabilities, v]);
        string tokensFirst = g.Node("Transpose", $"{b}_heads_permute", [heads], Ints("perm", 0, 2, 1, 3));
        return g.Node("Reshape", $"{b}_heads_merge", [tokensFirst, mergeShape]);
    }

    /// <summary>ONNX Runtime's fused multi-head attention on q, k, v split from [N, T, 3D] (the scale is already in q).</summary>
    private static string FusedAttention(OnnxGraphBuilder g, string b, string qkv, string splitWidths, int heads)
    {
        var parts = g.Nodes("Split", $"{b}_qkv_split", [qkv, splitWidths], 3, Int("axis", 2));
        return g.Node("MultiHeadAttention", $"{b}_attention", parts, MicrosoftDomain, Int("num_heads", heads), Float("scale", 1f));
    }

    /// <summary>x W^T + b as MatMul (weights stored transposed, [in, out]) then Add, the pair ONNX Runtime fuses.</summary>
    private static string Linear(OnnxGraphBuilder g, string name, string input, Tensor weight, Tensor? bias)
    {
        long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        string w = g.Float($"{name}.weight_t", Values(weight.t()), inFeatures, outFeatures);
        string product = g.Node("MatMul", $"{name}_matmul", [input, w]);
        return bias is null ? product : g.Node("Add", $"{name}_bias", [product, g.Float($"{name}.bias", Values(bias), outFeatures)]);
    }

    private static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    private static ValueInfoProto Value(string name, TensorShapeProto.Types.Dimension batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(batch);
        shape.Dim.AddRange(dims.Select(v => new TensorShapeProto.Types.Dimension { DimValue = v }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>The lowest IR version that carries the opset (IR 8: opsets 17-18, 9: 19-20, 10: 21-22, 11: 23).</summary>
    private static long IrVersion(int opset) => opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    /// <summary>Initializers for weights used as they are (timm key = initializer name).</summary>
    private sealed class Weights(OnnxGraphBuilder graph, Dictionary<string, Tensor> state)
    {
        public string Raw(string key)
        {
            if (!state.TryGetValue(key, out var tensor))
            {
                throw new InvalidOperationException($"The model has no weight '{key}'.");
            }

            return graph.Float(key, Values(tensor), tensor.shape);
        }
    }
}
