using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// The keyword arguments of timm's <c>VisionTransformer</c> that build the same model as a
/// <see cref="VisionTransformerOptions"/> (written as <c>model_args</c>, so <c>timm.create_model("local-dir:...")</c>
/// rebuilds it). timm has no argument for the LayerNorm epsilon: its ViTs use Vit's default, 1e-6.
/// </summary>
internal static class TimmModelArgs
{
    private static readonly (string Name, VisionTransformerOptions Preset)[] TimmPresets =
    [
        ("vit_tiny_patch16_224", VisionTransformerOptions.VitTinyPatch16),
        ("vit_small_patch16_224", VisionTransformerOptions.VitSmallPatch16),
        ("vit_base_patch16_224", VisionTransformerOptions.VitBasePatch16),
    ];

    /// <summary>timm's entry point: a matching timm preset's name, else ViT-Ti/16's (every argument is given, so it only picks timm's ViT builder).</summary>
    public static string Architecture(VisionTransformerOptions o) =>
        TimmPresets.FirstOrDefault(p => p.Preset.EmbedDim == o.EmbedDim && p.Preset.Depth == o.Depth && p.Preset.NumHeads == o.NumHeads && p.Preset.PatchSize == o.PatchSize).Name
        ?? TimmPresets[0].Name;

    public static string GlobalPool(VisionTransformerOptions o) => o.Pooling switch
    {
        Pooling.ClassToken => "token",
        Pooling.Max => "max",
        Pooling.AvgMax => "avgmax",
        Pooling.AttentionPool => "map",
        _ => "avg",
    };

    /// <summary>
    /// timm's arguments for <paramref name="o"/>: the classic ones always, the other building blocks only when they
    /// differ from timm's defaults. The norm's epsilon (timm takes it through <c>partial(LayerNorm, eps=...)</c>), the
    /// SwiGLU MLPs (<c>mlp_layer</c> is a class) and the distillation token (another class) have no JSON form; the
    /// config's <c>vit_options</c> still describes them for Vit.
    /// </summary>
    public static JsonObject Write(VisionTransformerOptions o)
    {
        var args = Classic(o);
        void Add(bool differs, string name, JsonNode? value)
        {
            if (differs)
            {
                args[name] = value;
            }
        }

        Add(o.RegisterTokens != 0, "reg_tokens", o.RegisterTokens);
        Add(!o.PositionEmbeddingCoversPrefix, "no_embed_class", true);
        Add(!o.FinalNorm, "final_norm", false);
        Add(o.PoolIncludePrefix, "pool_include_prefix", true);
        Add(o.PreNorm, "pre_norm", true);
        Add(o.QkNorm, "qk_norm", true);
        Add(o.ScaleAttentionNorm, "scale_attn_norm", true);
        Add(o.ScaleMlpNorm, "scale_mlp_norm", true);
        Add(!o.ProjectionBias, "proj_bias", false);
        Add(o.Activation != ActivationKind.Gelu, "act_layer", o.Activation switch
        {
            ActivationKind.GeluTanh => "gelu_tanh",
            ActivationKind.QuickGelu => "quick_gelu",
            _ => "silu",
        });
        Add(o.Norm == NormKind.RmsNorm, "norm_layer", "rmsnorm");
        Add(o.PatchEmbeddingNorm, "embed_norm_layer", o.Norm == NormKind.RmsNorm ? "rmsnorm" : "layernorm");
        Add(o.DynamicImageSize, "dynamic_img_size", true);
        Add(o.DynamicImagePad, "dynamic_img_pad", true);
        Add(o.HeadDropout != 0, "drop_rate", o.HeadDropout);
        return args;
    }

    private static JsonObject Classic(VisionTransformerOptions o) => new()
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
}
