using System.Globalization;
using Onnx;
using TorchSharp;
using Vit.Core;
using static Vit.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// Builds the ONNX graph of a <see cref="VisionTransformer"/> from its timm-named weights, shaped for ONNX Runtime
/// (docs/deployment.md): tokens stay 2-D <c>[N*T, D]</c> between blocks so every linear layer is one <c>Gemm</c>;
/// attention is opset 23's fused operator (MatMul/Softmax below it); constants are folded (<see cref="BlockWeights"/>);
/// the last block computes only what the head reads (the class token, or the mean taken before fc2, which is linear).
/// </summary>
internal static class VisionTransformerGraph
{
    /// <summary>The first opset with the standard <c>Attention</c> operator.</summary>
    public const int AttentionOpset = 23;

    /// <summary>The first opset with the standard <c>Gelu</c> operator.</summary>
    private const int GeluOpset = 20;

    public static AttentionForm Form(OnnxExportOptions options) =>
        options.OnnxRuntimeAttention ? AttentionForm.OnnxRuntimeContrib
        : options.Opset >= AttentionOpset ? AttentionForm.OnnxAttention
        : AttentionForm.MatMulSoftmax;

    public static ModelProto Build(VisionTransformer model, OnnxExportOptions exportOptions)
    {
        var o = model.Options;
        using var scope = torch.NewDisposeScope();
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(ScalarType.Float32).cpu(), StringComparer.Ordinal);
        var graph = new GraphProto { Name = "vision_transformer" };
        var g = new OnnxGraphBuilder(graph);
        var weights = new Weights(g, state);
        int opset = exportOptions.Opset;
        if (!VariantGraph.IsClassic(o))
        {
            return Variant(g, graph, state, o, exportOptions);
        }

        int d = o.EmbedDim, patches = o.GridSize * o.GridSize;
        bool classToken = o.Pooling == Pooling.ClassToken;
        int tokens = patches + (classToken ? 1 : 0);
        var attention = new AttentionGraph(g, Form(exportOptions), tokens, d, o.NumHeads);
        float eps = (float)o.LayerNormEpsilon;
        string LayerNorm(string name, string input, Tensor weight, Tensor bias) =>
            g.Node("LayerNormalization", name, [input, g.Float(name + ".weight", weight), g.Float(name + ".bias", bias)], Int("axis", -1), Float("epsilon", eps));

        var outputs = exportOptions.Outputs;
        bool everyToken = outputs.HasFlag(OnnxOutputs.Tokens);
        string x = g.Node("Reshape", "tokens_2d", [PatchTokens(g, weights, state, o, classToken, opset), g.Shape(-1, d)]);
        string pooled = string.Empty;
        for (int i = 0; i < o.Depth; i++)
        {
            string b = $"block{i}";

            // Without a tokens output the last block computes only what the pooling reads.
            bool trimmed = i == o.Depth - 1 && !everyToken;

            // The folded copies live only until their initializers are written (a ViT-H's would otherwise add 5 GB).
            using var blockScope = torch.NewDisposeScope();
            var w = BlockWeights.Fold(state, i, d, o.NumHeads);

            // Attention branch: LayerNorm -> attention -> proj Gemm -> residual (the class token alone in a class-token model's trimmed last block).
            string h = LayerNorm($"{w.Prefix}norm1", x, w.Norm1Weight, w.Norm1Bias);
            bool classOnly = trimmed && classToken;
            string attended = attention.Write(b, h, classOnly, w);
            if (classOnly)
            {
                x = attention.ClassRows($"{b}_class_residual", x, d);
            }

            string projected = g.Linear($"{b}_proj", w.Prefix + "attn.proj", attended, w.ProjWeight, w.ProjBias);
            x = g.Node("Add", $"{b}_residual1", [x, projected]);

            // MLP branch: LayerNorm -> fc1 Gemm -> exact GELU -> fc2 Gemm -> residual.
            h = LayerNorm($"{w.Prefix}norm2", x, w.Norm2Weight, w.Norm2Bias);
            string hidden = g.Linear($"{b}_fc1", w.Prefix + "mlp.fc1", h, w.Fc1Weight, w.Fc1Bias);
            string activated = Gelu(g, b, hidden, opset);
            if (trimmed && !classToken)
            {
                // Mean pooling: mean(x + a W2ᵀ + b2) = mean(x) + mean(a) W2ᵀ + b2, so fc2 runs on one row per image.
                int width = (int)w.Fc2Weight.shape[1];
                string meanHidden = MeanOfTokens(g, $"{b}_mean_hidden", activated, tokens, width, opset);
                string meanResidual = MeanOfTokens(g, "mean_pool", x, tokens, d, opset);
                pooled = g.Node("Add", $"{b}_pooled", [meanResidual, g.Linear($"{b}_fc2", w.Prefix + "mlp.fc2", meanHidden, w.Fc2Weight, w.Fc2Bias)]);
            }
            else
            {
                string output = g.Linear($"{b}_fc2", w.Prefix + "mlp.fc2", activated, w.Fc2Weight, w.Fc2Bias);
                x = g.Node("Add", $"{b}_residual2", [x, output]);
            }
        }

        // Head: the final LayerNorm (norm before a class-token pooling, fc_norm after a mean), then the classifier.
        string normKey = classToken ? "norm" : "fc_norm";
        string FinalNorm(string input) =>
            g.Node("LayerNormalization", normKey, [input, weights.Raw(normKey + ".weight"), weights.Raw(normKey + ".bias")], Int("axis", -1), Float("epsilon", eps));
        string? tokenValues = null;
        string features;
        if (everyToken && classToken)
        {
            tokenValues = g.Node("Reshape", "norm_tokens", [FinalNorm(x), g.Shape(-1, tokens, d)]);
            features = g.Node("Gather", "class_pool", [tokenValues, g.Int64Scalar("index_0", 0)], Int("axis", 1));
        }
        else if (everyToken)
        {
            tokenValues = g.Node("Reshape", "block_tokens", [x, g.Shape(-1, tokens, d)]);
            features = FinalNorm(MeanOfTokens(g, "mean_pool", x, tokens, d, opset));
        }
        else
        {
            features = FinalNorm(classToken ? x : pooled);
        }

        int classes = d;
        string? logits = null;
        if (outputs.HasFlag(OnnxOutputs.Logits))
        {
            bool hasHead = state.ContainsKey("head.weight");
            logits = hasHead
                ? g.Node("Gemm", "head", [features, weights.Raw("head.weight"), weights.Raw("head.bias")], Int("transB", 1))
                : g.Node("Identity", "head", [features]);
            classes = hasHead ? o.NumClasses : d;
        }

        var batchDim = exportOptions.DynamicBatch
            ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
            : new TensorShapeProto.Types.Dimension { DimValue = exportOptions.BatchSize };
        graph.Input.Add(Value(OnnxExport.InputName, batchDim, o.InChannels, o.ImageSize, o.ImageSize));
        if (logits is not null)
        {
            g.RenameValue(logits, OnnxExport.OutputName);
            graph.Output.Add(Value(OnnxExport.OutputName, batchDim.Clone(), classes));
        }

        if (outputs.HasFlag(OnnxOutputs.Embeddings))
        {
            g.RenameValue(features, OnnxExport.EmbeddingsName);
            graph.Output.Add(Value(OnnxExport.EmbeddingsName, batchDim.Clone(), d));
        }

        if (tokenValues is not null)
        {
            g.RenameValue(tokenValues, OnnxExport.TokensName);
            graph.Output.Add(Value(OnnxExport.TokensName, batchDim.Clone(), tokens, d));
        }

        var proto = new ModelProto
        {
            IrVersion = IrVersion(opset),
            ProducerName = "Vit.Onnx",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            DocString = string.Create(CultureInfo.InvariantCulture, $"Vision Transformer {o.Depth}x{o.EmbedDim}, {o.NumHeads} heads, patch {o.PatchSize}{Stem(o)} on {o.InChannels}x{o.ImageSize}x{o.ImageSize}, {(classToken ? "class-token" : "mean")} pooling"),
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        if (exportOptions.OnnxRuntimeAttention)
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxDomains.Microsoft, Version = 1 });
        }

        return proto;
    }

    /// <summary>The graph of a variant the classic graph does not cover (<see cref="VariantGraph"/>), with its inputs and outputs.</summary>
    private static ModelProto Variant(OnnxGraphBuilder g, GraphProto graph, Dictionary<string, Tensor> state, VisionTransformerOptions o, OnnxExportOptions exportOptions)
    {
        var (logits, embeddings, tokens) = VariantGraph.Write(g, state, o, exportOptions);
        var batchDim = exportOptions.DynamicBatch
            ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
            : new TensorShapeProto.Types.Dimension { DimValue = exportOptions.BatchSize };
        var input = Value(OnnxExport.InputName, batchDim, o.InChannels, o.ImageSize, o.ImageSize);
        var tokenCount = new TensorShapeProto.Types.Dimension { DimValue = o.NumPrefixTokens + (o.GridSize * o.GridSize) };
        if (o.DynamicImageSize)
        {
            // Height, width and so the token count follow the image: the position embeddings are resampled in the graph.
            input.Type.TensorType.Shape.Dim[2] = new TensorShapeProto.Types.Dimension { DimParam = "H" };
            input.Type.TensorType.Shape.Dim[3] = new TensorShapeProto.Types.Dimension { DimParam = "W" };
            tokenCount = new TensorShapeProto.Types.Dimension { DimParam = "T" };
        }

        graph.Input.Add(input);
        var outputs = exportOptions.Outputs;
        if (outputs.HasFlag(OnnxOutputs.Logits))
        {
            g.RenameValue(logits, OnnxExport.OutputName);
            graph.Output.Add(Value(OnnxExport.OutputName, batchDim.Clone(), o.NumClasses > 0 ? o.NumClasses : o.EmbedDim));
        }

        if (outputs.HasFlag(OnnxOutputs.Embeddings))
        {
            g.RenameValue(embeddings, OnnxExport.EmbeddingsName);
            graph.Output.Add(Value(OnnxExport.EmbeddingsName, batchDim.Clone(), o.EmbedDim));
        }

        if (outputs.HasFlag(OnnxOutputs.Tokens))
        {
            g.RenameValue(tokens, OnnxExport.TokensName);
            var value = Value(OnnxExport.TokensName, batchDim.Clone(), 0, o.EmbedDim);
            value.Type.TensorType.Shape.Dim[1] = tokenCount;
            graph.Output.Add(value);
        }

        GraphPruning.RemoveUnused(graph);
        var proto = new ModelProto
        {
            IrVersion = IrVersion(exportOptions.Opset),
            ProducerName = "Vit.Onnx",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            DocString = string.Create(CultureInfo.InvariantCulture, $"Vision Transformer {o.Depth}x{o.EmbedDim}, {o.NumHeads} heads, patch {o.PatchSize}, {o.NumPrefixTokens} prefix tokens, {o.Pooling} pooling, {o.Norm}, {o.Activation}, {o.Mlp} MLP{Stem(o)}{(o.DynamicImageSize ? ", dynamic image size" : string.Empty)}"),
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = exportOptions.Opset });
        return proto;
    }

    /// <summary>Patch embedding (the stem's convolutions, if any, then one strided convolution) plus position embeddings and the class token: <c>[N, T, D]</c>.</summary>
    private static string PatchTokens(OnnxGraphBuilder g, Weights weights, Dictionary<string, Tensor> state, VisionTransformerOptions o, bool classToken, int opset)
    {
        int d = o.EmbedDim, patches = o.GridSize * o.GridSize;
        var layers = new VariantLayers(g, state, o, opset);
        string conv = PatchEmbeddingGraph.Projection(layers, o, PatchEmbeddingGraph.Stem(layers, o, OnnxExport.InputName));
        string flat = g.Node("Reshape", "patch_flatten", [conv, g.Shape(0, d, patches)]);
        string x = g.Node("Transpose", "patch_tokens", [flat], Ints("perm", 0, 2, 1));
        var pos = state["pos_embed"];
        if (!classToken)
        {
            return g.Node("Add", "pos_add", [x, weights.Raw("pos_embed")]);
        }

        string patchPos = g.Float("pos_embed_patches", pos[.., 1..]);
        x = g.Node("Add", "pos_add", [x, patchPos]);
        string clsPos = g.Float("cls_token_with_pos", state["cls_token"].add(pos[.., ..1], ScalarConstants.One));
        string shape = g.Node("Shape", "images_shape", [OnnxExport.InputName]);
        string batch = g.Node("Slice", "batch", [shape, g.Int64("slice_0", 0), g.Int64("slice_1", 1)]);
        string clsShape = g.Node("Concat", "cls_shape", [batch, g.Int64("one_and_width", 1, d)], Int("axis", 0));
        string cls = g.Node("Expand", "cls_tokens", [clsPos, clsShape]);
        return g.Node("Concat", "class_and_patch_tokens", [cls, x], Int("axis", 1));
    }

    /// <summary>The stem in the graph's description: <c>", stem 16-32-48 Relu"</c>, empty without one.</summary>
    private static string Stem(VisionTransformerOptions o) =>
        o.HasStem ? $", stem {string.Join("-", o.StemChannels!)} {o.StemActivation}{(o.StemProjection ? string.Empty : " without projection")}" : string.Empty;

    /// <summary>Exact GELU: the <c>Gelu</c> operator from opset 20, below it <c>x * 0.5 * (1 + erf(x / √2))</c> (ONNX Runtime fuses both).</summary>
    private static string Gelu(OnnxGraphBuilder g, string b, string hidden, int opset)
    {
        if (opset >= GeluOpset)
        {
            return g.Node("Gelu", $"{b}_gelu", [hidden]);
        }

        string scaled = g.Node("Div", $"{b}_gelu_div", [hidden, g.Scalar("sqrt2", (float)Math.Sqrt(2.0))]);
        string erf = g.Node("Erf", $"{b}_gelu_erf", [scaled]);
        string shifted = g.Node("Add", $"{b}_gelu_add", [erf, g.Scalar("one", 1f)]);
        string product = g.Node("Mul", $"{b}_gelu_mul", [hidden, shifted]);
        return g.Node("Mul", $"{b}_gelu_half", [product, g.Scalar("half", 0.5f)]);
    }

    /// <summary>The mean over each image's tokens of 2-D tokens <c>[N*T, width]</c>: <c>[N, width]</c>.</summary>
    private static string MeanOfTokens(OnnxGraphBuilder g, string name, string input, int tokens, int width, int opset)
    {
        string grouped = g.Node("Reshape", $"{name}_tokens", [input, g.Shape(-1, tokens, width)]);
        return opset >= 18
            ? g.Node("ReduceMean", name, [grouped, g.Axes(1)], Int("keepdims", 0))
            : g.Node("ReduceMean", name, [grouped], Ints("axes", 1), Int("keepdims", 0));
    }

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

            return graph.Float(key, tensor);
        }
    }
}
