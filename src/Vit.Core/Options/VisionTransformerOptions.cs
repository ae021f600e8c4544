using System.ComponentModel.DataAnnotations;

namespace Vit.Core;

/// <summary>
/// The architecture of a <see cref="VisionTransformer"/>. The defaults are the origin notebook's model (6 layers,
/// 384 wide, 6 heads, 4x4 patches of 32x32 RGB images, 100 classes); presets such as <see cref="VitBasePatch16"/>
/// give timm's configurations. Validated by <see cref="VisionTransformerOptionsValidator"/>.
/// </summary>
public sealed partial class VisionTransformerOptions
{
    /// <summary>Gets or sets the side of the (square) input images, in pixels.</summary>
    /// <value>The default is 32.</value>
    [Range(1, int.MaxValue)]
    public int ImageSize { get; set; } = 32;

    /// <summary>Gets or sets the side of the square patches; must divide <see cref="ImageSize"/>.</summary>
    /// <value>The default is 4.</value>
    [Range(1, int.MaxValue)]
    public int PatchSize { get; set; } = 4;

    /// <summary>Gets or sets the number of image channels.</summary>
    /// <value>The default is 3.</value>
    [Range(1, int.MaxValue)]
    public int InChannels { get; set; } = 3;

    /// <summary>Gets or sets the number of classes; 0 means no classifier head (the head is an identity, as in timm).</summary>
    /// <value>The default is 100.</value>
    [Range(0, int.MaxValue)]
    public int NumClasses { get; set; } = 100;

    /// <summary>Gets or sets the token width; must be divisible by <see cref="NumHeads"/>.</summary>
    /// <value>The default is 384.</value>
    [Range(1, int.MaxValue)]
    public int EmbedDim { get; set; } = 384;

    /// <summary>Gets or sets the number of encoder layers (blocks).</summary>
    /// <value>The default is 6.</value>
    [Range(1, int.MaxValue)]
    public int Depth { get; set; } = 6;

    /// <summary>Gets or sets the number of attention heads.</summary>
    /// <value>The default is 6.</value>
    [Range(1, int.MaxValue)]
    public int NumHeads { get; set; } = 6;

    /// <summary>Gets or sets the MLP hidden width as a multiple of <see cref="EmbedDim"/> (truncated to an integer, as timm does).</summary>
    /// <value>The default is 4.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double MlpRatio { get; set; } = 4.0;

    /// <summary>Gets or sets whether the fused query/key/value projection has a bias (timm's <c>qkv_bias</c>).</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool QkvBias { get; set; } = true;

    /// <summary>Gets or sets how tokens are pooled into one feature vector (timm's <c>global_pool</c>).</summary>
    /// <value>The default is <see cref="Pooling.ClassToken"/>.</value>
    [EnumDataType(typeof(Pooling))]
    public Pooling Pooling { get; set; } = Pooling.ClassToken;

    /// <summary>
    /// Gets or sets the dropout rate after the position embedding, after the attention projection and in the MLP
    /// (timm's <c>pos_drop_rate</c> and <c>proj_drop_rate</c>).
    /// </summary>
    /// <value>The default is 0.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Dropout { get; set; }

    /// <summary>Gets or sets the dropout rate on the attention probabilities.</summary>
    /// <value>The default is 0.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double AttentionDropout { get; set; }

    /// <summary>
    /// Gets or sets the stochastic depth rate of the last block; rates rise linearly from 0 in the first block
    /// (timm's <c>drop_path_rate</c>).
    /// </summary>
    /// <value>The default is 0.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double DropPathRate { get; set; }

    /// <summary>
    /// Gets or sets the epsilon of every norm layer, LayerNorm or RmsNorm (<see cref="Norm"/>; timm's
    /// <c>norm_layer=partial(LayerNorm, eps=...)</c>, e.g. 1e-5 for CLIP and AIMv2).
    /// </summary>
    /// <value>The default is 1e-6 (timm's ViT; PyTorch's LayerNorm default is 1e-5).</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double LayerNormEpsilon { get; set; } = 1e-6;

    /// <summary>
    /// Gets or sets the initial LayerScale value (timm's <c>init_values</c>, e.g. 1e-5 for DeiT III); <see langword="null"/>
    /// means no LayerScale (the <c>ls1</c>/<c>ls2</c> parts are identities with no parameters).
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? LayerScaleInit { get; set; }

    /// <summary>Gets the number of patches along one side of the image (of the stem's feature map with <see cref="StemChannels"/>).</summary>
    public int GridSize => PatchSize > 0 ? (int)(StemOutputSide(ImageSize) / PatchSize) : 0;

    /// <summary>Gets the MLP hidden width, <c>(int)(EmbedDim * MlpRatio)</c>.</summary>
    public int MlpHiddenDim => (int)(EmbedDim * MlpRatio);

    /// <summary>Returns an independent copy (the stem's arrays are copied too).</summary>
    /// <returns>A new options object equal to this one.</returns>
    public VisionTransformerOptions Clone()
    {
        var copy = (VisionTransformerOptions)MemberwiseClone();
        copy.StemChannels = StemChannels?.ToArray();
        copy.StemStrides = StemStrides?.ToArray();
        copy.StemKernelSizes = StemKernelSizes?.ToArray();
        return copy;
    }
}
