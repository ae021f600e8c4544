namespace Vit.Core;

/// <summary>How <see cref="VisionTransformer"/> turns its output tokens into one feature vector per image (timm's <c>global_pool</c>).</summary>
public enum Pooling
{
    /// <summary>
    /// Classify from the class token's output (timm's <c>global_pool='token'</c>); needs a class token, which this
    /// pooling adds by default (<see cref="VisionTransformerOptions.ClassToken"/>).
    /// </summary>
    ClassToken = 0,

    /// <summary>
    /// Average the patch tokens (timm's <c>global_pool='avg'</c>); by default with no class token and with the final
    /// norm moved after pooling (<c>fc_norm</c>), as timm's <c>global_pool='avg', class_token=False</c>.
    /// </summary>
    Mean = 1,

    /// <summary>The element-wise maximum over the patch tokens (timm's <c>global_pool='max'</c>); <c>fc_norm</c> by default.</summary>
    Max = 2,

    /// <summary>The average of <see cref="Mean"/> and <see cref="Max"/> (timm's <c>global_pool='avgmax'</c>); <c>fc_norm</c> by default.</summary>
    AvgMax = 3,

    /// <summary>
    /// Multi-head attention pooling with a learned latent query and an MLP (timm's <c>global_pool='map'</c>,
    /// <c>AttentionPoolLatent</c>, keys <c>attn_pool.*</c>; SigLIP's head).
    /// </summary>
    AttentionPool = 4,
}
