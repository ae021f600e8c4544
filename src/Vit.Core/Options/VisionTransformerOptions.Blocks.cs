using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>The parts of each transformer block and the norms around them.</summary>
public sealed partial class VisionTransformerOptions
{
    /// <summary>Gets or sets the normalisation layer of the blocks, the final norm, <c>norm_pre</c> and the heads (timm's <c>norm_layer</c>); its epsilon is <see cref="LayerNormEpsilon"/>.</summary>
    /// <value>The default is <see cref="NormKind.LayerNorm"/>.</value>
    [EnumDataType(typeof(NormKind))]
    public NormKind Norm { get; set; } = NormKind.LayerNorm;

    /// <summary>Gets or sets the activation of the block MLPs and of the attention-pool MLP (timm's <c>act_layer</c>).</summary>
    /// <value>The default is <see cref="ActivationKind.Gelu"/> (exact erf GELU).</value>
    [EnumDataType(typeof(ActivationKind))]
    public ActivationKind Activation { get; set; } = ActivationKind.Gelu;

    /// <summary>Gets or sets the MLP of each block (timm's <c>mlp_layer</c>); its hidden width is <see cref="MlpHiddenDim"/>.</summary>
    /// <value>The default is <see cref="MlpKind.Standard"/>.</value>
    [EnumDataType(typeof(MlpKind))]
    public MlpKind Mlp { get; set; } = MlpKind.Standard;

    /// <summary>
    /// Gets or sets whether the attention output projection and the MLP's linear layers have biases (timm's
    /// <c>proj_bias</c>, which timm's <c>Block</c> passes to both).
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool ProjectionBias { get; set; } = true;

    /// <summary>Gets or sets whether queries and keys are normalised per head before attention (timm's <c>qk_norm</c>; keys <c>attn.q_norm.*</c>, <c>attn.k_norm.*</c>).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool QkNorm { get; set; }

    /// <summary>Gets or sets whether the attention output is normalised before its projection (timm's <c>scale_attn_norm</c>; key <c>attn.norm.*</c>).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool ScaleAttentionNorm { get; set; }

    /// <summary>Gets or sets whether the MLP's hidden activations are normalised before <c>fc2</c> (timm's <c>scale_mlp_norm</c>; key <c>mlp.norm.*</c>).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool ScaleMlpNorm { get; set; }

    /// <summary>
    /// Gets or sets whether a norm (<c>norm_pre</c>) runs after the position embedding, before the blocks, and the patch
    /// convolution has no bias (timm's <c>pre_norm</c>; CLIP).
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool PreNorm { get; set; }

    /// <summary>Gets or sets whether the patch embedding normalises its tokens (timm's <c>embed_norm_layer</c>, of kind <see cref="Norm"/>; key <c>patch_embed.norm.*</c>; AIMv2).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool PatchEmbeddingNorm { get; set; }
}
