namespace Vit.Core;

/// <summary>How <see cref="VisionTransformer"/> turns its output tokens into one feature vector per image.</summary>
public enum Pooling
{
    /// <summary>
    /// Prepend a learned class token and classify from its output (timm's <c>global_pool='token'</c>, the final
    /// <c>norm</c> is applied to every token).
    /// </summary>
    ClassToken = 0,

    /// <summary>
    /// No class token; average the patch tokens, then apply <c>fc_norm</c> (timm's <c>global_pool='avg',
    /// class_token=False</c>, where the final <c>norm</c> is replaced by <c>fc_norm</c> after pooling).
    /// </summary>
    Mean = 1,
}
