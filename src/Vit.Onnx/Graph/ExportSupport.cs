using Vit.Core;

namespace Vit.Onnx;

/// <summary>
/// The <see cref="VisionTransformerOptions"/> the ONNX graph can express: timm's classic ViT (class-token pooling with
/// the final norm, or mean pooling without class token and with <c>fc_norm</c>; LayerNorm, exact GELU, standard MLP,
/// LayerScale). Every other building block is refused by name until the graph learns it.
/// </summary>
internal static class ExportSupport
{
    /// <summary>Throws one <see cref="NotSupportedException"/> naming every option the export cannot express yet.</summary>
    public static void ThrowIfUnsupported(VisionTransformerOptions o)
    {
        var unsupported = new List<string>();
        void Check(bool supported, string option, object? value, string timm)
        {
            if (!supported)
            {
                unsupported.Add($"VisionTransformerOptions.{option} = {value?.ToString() ?? "null"} (timm's {timm})");
            }
        }

        Check(o.Pooling is Pooling.ClassToken or Pooling.Mean, nameof(o.Pooling), o.Pooling, "global_pool");
        Check(o.HasClassToken == (o.Pooling == Pooling.ClassToken), nameof(o.ClassToken), o.ClassToken, "class_token");
        Check(o.RegisterTokens == 0, nameof(o.RegisterTokens), o.RegisterTokens, "reg_tokens");
        Check(!o.DistillationToken, nameof(o.DistillationToken), o.DistillationToken, "distilled");
        Check(o.PositionEmbeddingCoversPrefix || o.NumPrefixTokens == 0, nameof(o.PositionEmbeddingCoversPrefix), o.PositionEmbeddingCoversPrefix, "no_embed_class");
        Check(!o.DynamicImageSize, nameof(o.DynamicImageSize), o.DynamicImageSize, "dynamic_img_size");
        Check(o.FinalNorm, nameof(o.FinalNorm), o.FinalNorm, "final_norm");
        Check(o.UsesFcNorm == (o.Pooling == Pooling.Mean) || !o.FinalNorm, nameof(o.FcNorm), o.FcNorm, "fc_norm");
        Check(!o.PoolIncludePrefix || o.NumPrefixTokens == 0 || o.Pooling == Pooling.ClassToken, nameof(o.PoolIncludePrefix), o.PoolIncludePrefix, "pool_include_prefix");
        Check(o.Norm == NormKind.LayerNorm, nameof(o.Norm), o.Norm, "norm_layer");
        Check(o.Activation == ActivationKind.Gelu, nameof(o.Activation), o.Activation, "act_layer");
        Check(o.Mlp == MlpKind.Standard, nameof(o.Mlp), o.Mlp, "mlp_layer");
        Check(o.ProjectionBias, nameof(o.ProjectionBias), o.ProjectionBias, "proj_bias");
        Check(!o.QkNorm, nameof(o.QkNorm), o.QkNorm, "qk_norm");
        Check(!o.ScaleAttentionNorm, nameof(o.ScaleAttentionNorm), o.ScaleAttentionNorm, "scale_attn_norm");
        Check(!o.ScaleMlpNorm, nameof(o.ScaleMlpNorm), o.ScaleMlpNorm, "scale_mlp_norm");
        Check(!o.PreNorm, nameof(o.PreNorm), o.PreNorm, "pre_norm");
        Check(!o.PatchEmbeddingNorm, nameof(o.PatchEmbeddingNorm), o.PatchEmbeddingNorm, "embed_norm_layer");
        if (unsupported.Count > 0)
        {
            throw new NotSupportedException(
                $"ONNX export does not support yet {string.Join(", ", unsupported)}: " +
                "it exports timm's classic ViT (class-token or mean pooling, LayerNorm, exact GELU, standard MLP, optional LayerScale). " +
                "Run such models with TorchSharp, or export them with timm.");
        }
    }
}
