using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// The timm <c>architecture</c> and keyword arguments (<c>model_args</c>) that build the same model as a
/// <see cref="VisionTransformerOptions"/>, so <c>timm.create_model("local-dir:...")</c> rebuilds it. Every argument a
/// JSON value can carry is written; the parts only an architecture's own function can give (a SwiGLU MLP, the patch
/// embedding norm, the distillation token, a norm epsilon other than 1e-6) choose the architecture.
/// </summary>
internal static class TimmModelArgs
{
    /// <summary>timm's entry point: the first of a few plain names whose fixed parts match, else the first registry name that matches.</summary>
    public static string Architecture(VisionTransformerOptions o)
    {
        string[] preferred = ["vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224", "vit_base_patch16_clip_224"];
        foreach (string name in preferred.Concat(TimmRegistry.Names))
        {
            if (FixedParts(name) is { } parts && parts == Fixed(o))
            {
                return name;
            }
        }

        return preferred[0];
    }

    /// <summary>timm's <c>global_pool</c> name of <see cref="VisionTransformerOptions.Pooling"/>.</summary>
    public static string GlobalPool(VisionTransformerOptions o) => o.Pooling switch
    {
        Pooling.ClassToken => "token",
        Pooling.Mean => "avg",
        Pooling.Max => "max",
        Pooling.AvgMax => "avgmax",
        _ => "map",
    };

    public static JsonObject Write(VisionTransformerOptions o)
    {
        var args = new JsonObject
        {
            ["img_size"] = o.ImageSize,
            ["patch_size"] = o.PatchSize,
            ["in_chans"] = o.InChannels,
            ["num_classes"] = o.NumClasses,
            ["global_pool"] = GlobalPool(o),
            ["class_token"] = o.HasClassToken,
            ["fc_norm"] = o.FcNorm,
            ["embed_dim"] = o.EmbedDim,
            ["depth"] = o.Depth,
            ["num_heads"] = o.NumHeads,
            ["mlp_ratio"] = o.MlpRatio,
            ["qkv_bias"] = o.QkvBias,
            ["proj_bias"] = o.ProjectionBias,
            ["qk_norm"] = o.QkNorm,
            ["scale_attn_norm"] = o.ScaleAttentionNorm,
            ["scale_mlp_norm"] = o.ScaleMlpNorm,
            ["init_values"] = o.LayerScaleInit,
            ["reg_tokens"] = o.RegisterTokens,
            ["no_embed_class"] = !o.PositionEmbeddingCoversPrefix,
            ["pre_norm"] = o.PreNorm,
            ["final_norm"] = o.FinalNorm,
            ["pool_include_prefix"] = o.PoolIncludePrefix,
            ["dynamic_img_size"] = o.DynamicImageSize,
            ["dynamic_img_pad"] = o.DynamicImagePad,
            ["act_layer"] = o.Activation switch
            {
                ActivationKind.Gelu => "gelu",
                ActivationKind.GeluTanh => "gelu_tanh",
                ActivationKind.QuickGelu => "quick_gelu",
                _ => "silu",
            },
            ["drop_rate"] = o.HeadDropout,
            ["pos_drop_rate"] = o.Dropout,
            ["proj_drop_rate"] = o.Dropout,
            ["attn_drop_rate"] = o.AttentionDropout,
            ["drop_path_rate"] = o.DropPathRate,
        };

        // timm reads norm_layer strings with their default eps (1e-6); other epsilons come with the architecture.
        if (o.LayerNormEpsilon == 1e-6)
        {
            args["norm_layer"] = o.Norm == NormKind.RmsNorm ? "rmsnorm" : "layernorm";
        }

        return args;
    }

    /// <summary>What only an architecture's function can give: MLP kind, patch-embedding norm, distillation token, norm kind and eps.</summary>
    private static (MlpKind, bool, bool, NormKind, double) Fixed(VisionTransformerOptions o) =>
        (o.Mlp, o.PatchEmbeddingNorm, o.DistillationToken, o.LayerNormEpsilon == 1e-6 ? NormKind.LayerNorm : o.Norm, o.LayerNormEpsilon == 1e-6 ? 1e-6 : o.LayerNormEpsilon);

    private static (MlpKind, bool, bool, NormKind, double)? FixedParts(string architecture)
    {
        try
        {
            return Fixed(VisionTransformerOptions.FromTimm(architecture));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
