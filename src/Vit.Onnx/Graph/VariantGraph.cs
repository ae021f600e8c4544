using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// The graph of any variant <see cref="VisionTransformer.FromPretrained(string)"/> loads (register and distillation
/// tokens, position embeddings without prefix tokens, pre-norm, every norm/activation/MLP/pooling option, dynamic image
/// size, with timm's zero padding to the patch). Tokens stay 3-D <c>[N, T, D]</c> so T may be symbolic; every block computes every token.
/// </summary>
internal static class VariantGraph
{
    /// <summary>The first opset whose <c>Resize</c> has the <c>antialias</c> attribute (timm resamples with antialiasing).</summary>
    private const int AntialiasOpset = 18;

    /// <summary>timm's prefix tokens in their order in the sequence.</summary>
    private static readonly string[] PrefixTokenKeys = ["cls_token", "dist_token", "reg_token"];

    /// <summary>Whether <see cref="VisionTransformerGraph"/>'s classic graph (class token or mean pooling, exact GELU, LayerNorm, nothing else) covers the model.</summary>
    public static bool IsClassic(VisionTransformerOptions o) =>
        o.Norm == NormKind.LayerNorm && o.Activation == ActivationKind.Gelu && o.Mlp == MlpKind.Standard && o.ProjectionBias
        && !o.QkNorm && !o.ScaleAttentionNorm && !o.ScaleMlpNorm && !o.PreNorm && !o.PatchEmbeddingNorm && o.FinalNorm
        && !o.DynamicImageSize && !o.DynamicImagePad && o.RegisterTokens == 0 && !o.DistillationToken
        && o.PositionEmbeddingCoversPrefix && !o.PoolIncludePrefix
        && ((o.Pooling == Pooling.ClassToken && o.HasClassToken && !o.UsesFcNorm) || (o.Pooling == Pooling.Mean && !o.HasClassToken && o.UsesFcNorm));

    /// <summary>Writes the graph's nodes; returns the values of the three outputs (logits, embeddings, tokens).</summary>
    public static (string Logits, string Embeddings, string Tokens) Write(OnnxGraphBuilder g, IReadOnlyDictionary<string, Tensor> state, VisionTransformerOptions o, OnnxExportOptions exportOptions)
    {
        if (exportOptions.OnnxRuntimeAttention)
        {
            throw new NotSupportedException($"OnnxExportOptions.OnnxRuntimeAttention (com.microsoft.Attention with the packed q/k/v projection) covers the classic block only; this model ({o.NumPrefixTokens} prefix tokens, {o.Pooling} pooling, {o.Norm}, {o.Activation}, {o.Mlp} MLP, qk-norm {o.QkNorm}, pre-norm {o.PreNorm}) is written with standard operators: leave the option off (opset 23's Attention is one kernel too).");
        }

        if (o.DynamicImageSize && exportOptions.Opset < AntialiasOpset)
        {
            throw new NotSupportedException($"A model with VisionTransformerOptions.DynamicImageSize resamples its position embeddings with an antialiased Resize, which needs OnnxExportOptions.Opset >= {AntialiasOpset} (got {exportOptions.Opset}).");
        }

        var l = new VariantLayers(g, state, o, exportOptions.Opset);
        string x = Embed(l, o);
        if (l.Has("norm_pre.weight"))
        {
            x = l.Norm("norm_pre", x);
        }

        bool standardAttention = exportOptions.Opset >= VisionTransformerGraph.AttentionOpset;
        for (int i = 0; i < o.Depth; i++)
        {
            x = VariantBlockGraph.Write(l, x, i, o.EmbedDim, o.NumHeads, standardAttention);
        }

        string tokens = l.Has("norm.weight") ? l.Norm("norm", x) : g.Node("Identity", "features", [x]);
        var (logits, embeddings) = VariantHeadGraph.Write(l, o, tokens);
        return (logits, embeddings, tokens);
    }

    /// <summary>Patch embedding, position embeddings (resampled to the image's grid when the size is dynamic) and prefix tokens: <c>[N, T, D]</c>.</summary>
    private static string Embed(VariantLayers l, VisionTransformerOptions o)
    {
        var g = l.G;
        int d = o.EmbedDim, prefix = o.NumPrefixTokens;
        string features = PatchEmbeddingGraph.Stem(l, o, OnnxExport.InputName);
        string conv = PatchEmbeddingGraph.Projection(l, o, o.DynamicImagePad ? Padded(g, features, o.PatchSize) : features);
        string x = g.Node("Transpose", "patch_tokens", [g.Node("Reshape", "patch_flatten", [conv, g.Shape(0, d, -1)])], OnnxGraphBuilder.Ints("perm", 0, 2, 1));
        if (l.Has("patch_embed.norm.weight"))
        {
            x = l.Norm("patch_embed.norm", x);
        }

        var pos = l.Get("pos_embed");
        int covered = o.PositionEmbeddingCoversPrefix ? prefix : 0;
        var patchPos = pos[.., covered..];
        string positions = o.DynamicImageSize ? ResampledPositions(g, conv, patchPos, o) : g.Float("pos_embed_patches", patchPos.contiguous());
        x = g.Node("Add", "pos_add", [x, positions]);
        if (prefix == 0)
        {
            return x;
        }

        // Prefix tokens (class, distillation, registers, timm's order) with their position embeddings folded in.
        var parts = PrefixTokenKeys.Select(l.Find).OfType<Tensor>().ToArray();
        var prefixTokens = torch.cat(parts, 1);
        if (covered > 0)
        {
            prefixTokens = prefixTokens.add(pos[.., ..covered], ScalarConstants.One);
        }

        string batch = g.Node("Slice", "batch", [g.Node("Shape", "images_shape", [OnnxExport.InputName]), g.Int64("slice_0", 0), g.Int64("slice_1", 1)]);
        string shape = g.Node("Concat", "prefix_shape", [batch, g.Int64("prefix_and_width", prefix, d)], OnnxGraphBuilder.Int("axis", 0));
        string expanded = g.Node("Expand", "prefix_tokens", [g.Float("prefix_tokens_with_pos", prefixTokens.contiguous()), shape]);
        return g.Node("Concat", "prefix_and_patch_tokens", [expanded, x], OnnxGraphBuilder.Int("axis", 1));
    }

    /// <summary>
    /// timm's <c>dynamic_img_pad</c>: zeros below and to the right up to the next multiple of the patch size,
    /// <c>(P - side mod P) mod P</c> computed from the shape of what the projection reads (the images, or the stem's features).
    /// </summary>
    private static string Padded(OnnxGraphBuilder g, string input, int patch)
    {
        string sides = g.Node("Slice", "image_sides", [g.Node("Shape", "images_shape_for_pad", [input]), g.Int64("slice_2", 2), g.Int64("slice_4", 4)]);
        string p = g.Int64("patch_size", patch);
        string remainder = g.Node("Mod", "image_side_remainder", [sides, p]);
        string missing = g.Node("Mod", "image_pad", [g.Node("Sub", "image_pad_unwrapped", [p, remainder]), p]);
        string pads = g.Node("Concat", "image_pads", [g.Int64("pads_before", 0, 0, 0, 0, 0, 0), missing], OnnxGraphBuilder.Int("axis", 0));
        return g.Node("Pad", "images_padded", [input, pads]);
    }

    /// <summary>
    /// The patch position embeddings resized to the convolution's grid, as timm's <c>resample_abs_pos_embed</c>:
    /// bicubic, antialiased, half-pixel centres. PyTorch's antialiased bicubic kernel uses a = -0.5 (Pillow's), not
    /// the -0.75 of its plain bicubic, and renormalises the weights inside the image: Resize's cubic_coeff_a -0.5 and
    /// exclude_outside 1.
    /// </summary>
    private static string ResampledPositions(OnnxGraphBuilder g, string conv, Tensor patchPos, VisionTransformerOptions o)
    {
        int grid = o.GridSize, d = o.EmbedDim;
        var image = patchPos.reshape(1, grid, grid, d).permute(0, 3, 1, 2).contiguous();
        string gridHw = g.Node("Slice", "grid_size", [g.Node("Shape", "patch_grid_shape", [conv]), g.Int64("slice_2", 2), g.Int64("slice_4", 4)]);
        string sizes = g.Node("Concat", "pos_embed_sizes", [g.Int64("one_and_width", 1, d), gridHw], OnnxGraphBuilder.Int("axis", 0));
        string resized = g.Node("Resize", "pos_embed_resize", [g.Float("pos_embed_grid", image), string.Empty, string.Empty, sizes],
            VariantLayers.String("mode", "cubic"), OnnxGraphBuilder.Float("cubic_coeff_a", -0.5f), OnnxGraphBuilder.Int("antialias", 1),
            OnnxGraphBuilder.Int("exclude_outside", 1), VariantLayers.String("coordinate_transformation_mode", "half_pixel"));
        string flat = g.Node("Reshape", "pos_embed_flatten", [resized, g.Shape(1, d, -1)]);
        return g.Node("Transpose", "pos_embed_tokens", [flat], OnnxGraphBuilder.Ints("perm", 0, 2, 1));
    }
}
