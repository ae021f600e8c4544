using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>The final norm, the pooling and the classifier.</summary>
public sealed partial class VisionTransformerOptions
{
    /// <summary>
    /// Gets or sets whether the final norm exists (timm's <c>final_norm</c>): as <c>norm</c> on every token, or as
    /// <c>fc_norm</c> after pooling (<see cref="FcNorm"/>). Off, both are identities.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool FinalNorm { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the final norm moves after pooling (<c>fc_norm</c>, and <c>norm</c> becomes an identity;
    /// timm's <c>fc_norm</c>); <see langword="null"/> means "for <see cref="Pooling.Mean"/>, <see cref="Pooling.Max"/>
    /// and <see cref="Pooling.AvgMax"/>", as timm decides when it is None.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public bool? FcNorm { get; set; }

    /// <summary>
    /// Gets or sets whether the prefix tokens (class, registers, distillation) take part in mean/max pooling and in
    /// attention pooling (timm's <c>pool_include_prefix</c>); class-token pooling ignores it.
    /// </summary>
    /// <value>The default is <see langword="false"/>: only the patch tokens are pooled.</value>
    public bool PoolIncludePrefix { get; set; }

    /// <summary>Gets or sets the dropout rate on the pooled features before the classifier (timm's <c>drop_rate</c>, <c>head_drop</c>).</summary>
    /// <value>The default is 0.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double HeadDropout { get; set; }

    /// <summary>Gets whether the model has <c>fc_norm</c>: <see cref="FinalNorm"/> and <see cref="FcNorm"/> (or, when null, mean/max/avgmax pooling).</summary>
    public bool UsesFcNorm => FinalNorm && (FcNorm ?? Pooling is Pooling.Mean or Pooling.Max or Pooling.AvgMax);
}
