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

    public static string GlobalPool(VisionTransformerOptions o) => o.Pooling == Pooling.ClassToken ? "token" : "avg";

    public static JsonObject Write(VisionTransformerOptions o) => new()
    {
        ["img_size"] = o.ImageSize,
        ["patch_size"] = o.PatchSize,
        ["in_chans"] = o.InChannels,
        ["num_classes"] = o.NumClasses,
        ["global_pool"] = GlobalPool(o),
        ["class_token"] = o.Pooling == Pooling.ClassToken,
        ["fc_norm"] = o.Pooling != Pooling.ClassToken,
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
