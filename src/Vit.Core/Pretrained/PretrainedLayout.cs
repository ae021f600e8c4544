namespace Vit.Core;

/// <summary>The kind of model folder <see cref="VisionTransformer.FromPretrained(string)"/> opened, told apart by <c>config.json</c>'s fields.</summary>
public enum PretrainedLayout
{
    /// <summary>Vit's own folder (<c>vit_version</c>, <c>vit_options</c>), written by <see cref="VisionTransformer.SavePretrained"/>.</summary>
    Vit,

    /// <summary>timm's Hugging Face hub folder (<c>architecture</c>, optional <c>model_args</c>, <c>pretrained_cfg</c>).</summary>
    Timm,

    /// <summary>A Hugging Face transformers folder (<c>model_type</c> <c>vit</c> or <c>dinov2</c>).</summary>
    Transformers,
}
