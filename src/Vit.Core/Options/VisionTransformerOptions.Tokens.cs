using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>The token sequence: prefix tokens, the position embedding and the input size.</summary>
public sealed partial class VisionTransformerOptions
{
    /// <summary>
    /// Gets or sets whether a learned class token (key <c>cls_token</c>) is prepended to the patch tokens (timm's
    /// <c>class_token</c>); <see langword="null"/> means "when <see cref="Pooling"/> is <see cref="Pooling.ClassToken"/>".
    /// </summary>
    /// <value>The default is <see langword="null"/>: a class token with class-token pooling, none with the other poolings.</value>
    public bool? ClassToken { get; set; }

    /// <summary>Gets or sets the number of learned register tokens placed after the class token (timm's <c>reg_tokens</c>, key <c>reg_token</c>).</summary>
    /// <value>The default is 0.</value>
    [Range(0, 1024)]
    public int RegisterTokens { get; set; }

    /// <summary>
    /// Gets or sets whether the distillation token of DeiT and its classifier <c>head_dist</c> exist (timm's
    /// <c>VisionTransformerDistilled</c>, key <c>dist_token</c>, placed after the class token). Pre-logits are the
    /// mean of the class and distillation tokens, logits the mean of <c>head</c> and <c>head_dist</c> (timm with
    /// <c>distilled_training</c> off). Needs the class token and <see cref="Pooling.ClassToken"/>, and no register tokens.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DistillationToken { get; set; }

    /// <summary>
    /// Gets or sets whether the position embedding has entries for the prefix tokens (class, registers, distillation):
    /// <see langword="true"/> concatenates the prefix tokens and then adds <c>pos_embed</c> (original ViT, DeiT);
    /// <see langword="false"/> adds <c>pos_embed</c> to the patch tokens only and then concatenates (DeiT III, DINOv2;
    /// timm's <c>no_embed_class=True</c>, the negation of this property).
    /// </summary>
    /// <value>The default is <see langword="true"/> (timm's <c>no_embed_class=False</c>).</value>
    public bool PositionEmbeddingCoversPrefix { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the model accepts any input size whose sides are multiples of <see cref="PatchSize"/>
    /// (non-square too), resampling the position embedding in each forward from its <see cref="ImageSize"/> grid
    /// bicubically with antialiasing (timm's <c>dynamic_img_size</c>, <c>resample_abs_pos_embed</c>).
    /// </summary>
    /// <value>The default is <see langword="false"/>: inputs must be <see cref="ImageSize"/> square.</value>
    public bool DynamicImageSize { get; set; }

    /// <summary>
    /// Gets or sets whether inputs whose sides are not multiples of <see cref="PatchSize"/> are zero-padded at the
    /// bottom and right up to the next multiple (timm's <c>dynamic_img_pad</c>); useful with <see cref="DynamicImageSize"/>.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DynamicImagePad { get; set; }

    /// <summary>Gets whether the model has a class token: <see cref="ClassToken"/>, or when null, whether <see cref="Pooling"/> is <see cref="Pooling.ClassToken"/>.</summary>
    public bool HasClassToken => ClassToken ?? Pooling == Pooling.ClassToken;

    /// <summary>Gets the number of tokens before the patch tokens: class token, distillation token and registers (timm's <c>num_prefix_tokens</c>).</summary>
    public int NumPrefixTokens => (HasClassToken ? 1 : 0) + (DistillationToken ? 1 : 0) + Math.Max(RegisterTokens, 0);
}
