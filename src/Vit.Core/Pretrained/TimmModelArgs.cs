using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// The timm <c>architecture</c> and keyword arguments (<c>model_args</c>) that build the same model as a
/// <see cref="VisionTransformerOptions"/>, so <c>timm.create_model("local-dir:...")</c> rebuilds it. Every argument a
/// JSON value can carry is written where the architecture does not already give it; the parts only an architecture's
/// own function can give (a SwiGLU MLP, the patch-embedding norm, the distillation token, a norm epsilon other than
/// 1e-6) choose the architecture.
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

    /// <summary>
    /// The model_args that, applied over <paramref name="architecture"/>'s own arguments as timm does, build
    /// <paramref name="o"/>: the classic arguments always, the other building blocks where they differ from what the
    /// architecture gives (so a CLIP architecture chosen for its eps gets <c>pre_norm: false</c> when the model has none).
    /// </summary>
    public static JsonObject Write(VisionTransformerOptions o, string architecture)
    {
        var a = VisionTransformerOptions.FromTimm(architecture);
        var args = new JsonObject
        {
            ["img_size"] = o.ImageSize,
            ["patch_size"] = o.PatchSize,
            ["in_chans"] = o.InChannels,
            ["num_classes"] = o.NumClasses,
            ["global_pool"] = GlobalPool(o),
            ["class_token"] = o.HasClassToken,
            ["fc_norm"] = o.UsesFcNorm,
            ["embed_dim"] = o.EmbedDim,
            ["depth"] = o.Depth,
            ["num_heads"] = o.NumHeads,
            ["mlp_ratio"] = o.MlpRatio,
            ["qkv_bias"] = o.QkvBias,
            ["init_values"] = o.LayerScaleInit,
            ["pos_drop_rate"] = o.Dropout,
            ["proj_drop_rate"] = o.Dropout,
            ["attn_drop_rate"] = o.AttentionDropout,
            ["drop_path_rate"] = o.DropPathRate,
        };

        void Add(bool differs, string name, JsonNode? value)
        {
            if (differs)
            {
                args[name] = value;
            }
        }

        Add(o.RegisterTokens != a.RegisterTokens, "reg_tokens", o.RegisterTokens);
        Add(o.PositionEmbeddingCoversPrefix != a.PositionEmbeddingCoversPrefix, "no_embed_class", !o.PositionEmbeddingCoversPrefix);
        Add(o.FinalNorm != a.FinalNorm, "final_norm", o.FinalNorm);
        Add(o.PoolIncludePrefix != a.PoolIncludePrefix, "pool_include_prefix", o.PoolIncludePrefix);
        Add(o.PreNorm != a.PreNorm, "pre_norm", o.PreNorm);
        Add(o.QkNorm != a.QkNorm, "qk_norm", o.QkNorm);
        Add(o.ScaleAttentionNorm != a.ScaleAttentionNorm, "scale_attn_norm", o.ScaleAttentionNorm);
        Add(o.ScaleMlpNorm != a.ScaleMlpNorm, "scale_mlp_norm", o.ScaleMlpNorm);
        Add(o.ProjectionBias != a.ProjectionBias, "proj_bias", o.ProjectionBias);
        Add(o.Activation != a.Activation, "act_layer", o.Activation switch
        {
            ActivationKind.Gelu => "gelu",
            ActivationKind.GeluTanh => "gelu_tanh",
            ActivationKind.QuickGelu => "quick_gelu",
            _ => "silu",
        });

        // timm reads norm_layer strings with their default eps (1e-6); other epsilons come with the architecture.
        string norm = o.Norm == NormKind.RmsNorm ? "rmsnorm" : "layernorm";
        Add(o.Norm != a.Norm || o.LayerNormEpsilon != a.LayerNormEpsilon, "norm_layer", norm);
        Add(o.PatchEmbeddingNorm != a.PatchEmbeddingNorm, "embed_norm_layer", o.PatchEmbeddingNorm ? norm : null);
        Add(o.DynamicImageSize != a.DynamicImageSize, "dynamic_img_size", o.DynamicImageSize);
        Add(o.DynamicImagePad != a.DynamicImagePad, "dynamic_img_pad", o.DynamicImagePad);
        Add(o.HeadDropout != a.HeadDropout, "drop_rate", o.HeadDropout);
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
