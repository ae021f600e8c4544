namespace Vit.Core;

/// <summary>
/// The convolutional stem of a hybrid ViT (timm's <c>HybridEmbed</c> around a <c>ConvStem</c> backbone): strided
/// 3x3 convolutions before the patch projection instead of one patch-sized convolution of the raw pixels.
/// </summary>
public sealed partial class VisionTransformerOptions
{
    /// <summary>
    /// Gets or sets the output channels of each stem convolution (timm's <c>ConvStem(channels=...)</c>);
    /// <see langword="null"/> means no stem: the patch embedding convolves the pixels (timm's <c>PatchEmbed</c>).
    /// Every convolution but the last is followed by BatchNorm and <see cref="StemActivation"/>; the last has a bias
    /// and neither (keys <c>patch_embed.backbone.{i}.conv.*</c>, <c>patch_embed.backbone.{i}.bn.*</c>). The tokens are
    /// then <see cref="PatchSize"/> x <see cref="PatchSize"/> patches of the stem's feature map, projected by
    /// <c>patch_embed.proj</c> (or taken as they are without <see cref="StemProjection"/>).
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int[]? StemChannels { get; set; }

    /// <summary>Gets or sets the stride of each stem convolution; <see langword="null"/> means 2 for each (timm's default).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int[]? StemStrides { get; set; }

    /// <summary>Gets or sets the kernel side of each stem convolution; <see langword="null"/> means 3 for each (timm's default).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int[]? StemKernelSizes { get; set; }

    /// <summary>Gets or sets the activation after each stem BatchNorm (timm's <c>act_layer</c>, <c>nn.ReLU</c> by default).</summary>
    /// <value>The default is <see cref="ActivationKind.Relu"/>.</value>
    public ActivationKind StemActivation { get; set; } = ActivationKind.Relu;

    /// <summary>
    /// Gets or sets whether a <see cref="PatchSize"/>-strided convolution projects the stem's features to
    /// <see cref="EmbedDim"/> (timm's <c>HybridEmbed(proj=True)</c>, key <c>patch_embed.proj.*</c>); without it the
    /// last stem convolution must output <see cref="EmbedDim"/> channels and <see cref="PatchSize"/> must be 1.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool StemProjection { get; set; } = true;

    /// <summary>Gets whether the model has a convolutional stem (<see cref="StemChannels"/> is set).</summary>
    public bool HasStem => StemChannels is { Length: > 0 };

    /// <summary>Gets the stride of stem convolution <paramref name="index"/>.</summary>
    /// <param name="index">The convolution's index in <see cref="StemChannels"/>.</param>
    /// <returns>The stride (2 when <see cref="StemStrides"/> is null).</returns>
    public int StemStride(int index) => StemStrides?[index] ?? 2;

    /// <summary>Gets the kernel side of stem convolution <paramref name="index"/>.</summary>
    /// <param name="index">The convolution's index in <see cref="StemChannels"/>.</param>
    /// <returns>The kernel side (3 when <see cref="StemKernelSizes"/> is null).</returns>
    public int StemKernelSize(int index) => StemKernelSizes?[index] ?? 3;

    /// <summary>
    /// Gets the zero padding of stem convolution <paramref name="index"/>: timm's "same-ish" static padding
    /// <c>((stride - 1) + (kernel - 1)) / 2</c>, which halves even sides exactly.
    /// </summary>
    /// <param name="index">The convolution's index in <see cref="StemChannels"/>.</param>
    /// <returns>The padding on every side.</returns>
    public int StemPadding(int index) => ((StemStride(index) - 1) + (StemKernelSize(index) - 1)) / 2;

    /// <summary>Gets the side of the feature map the stem makes of a <paramref name="side"/>-pixel side (the input side without a stem).</summary>
    /// <param name="side">Input height or width in pixels.</param>
    /// <returns>The feature map's height or width: <c>(side + 2 padding - kernel) / stride + 1</c> through each convolution.</returns>
    public long StemOutputSide(long side)
    {
        for (int i = 0; HasStem && i < StemChannels!.Length; i++)
        {
            side = ((side + (2 * StemPadding(i)) - StemKernelSize(i)) / StemStride(i)) + 1;
        }

        return side;
    }

    /// <summary>Gets the channels the patch projection sees: the last stem convolution's, or <see cref="InChannels"/> without a stem.</summary>
    public int EmbeddingInputChannels => HasStem ? StemChannels![^1] : InChannels;
}
