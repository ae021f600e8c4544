using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// Cuts images into non-overlapping square patches and projects each to a token with one strided convolution
/// (timm's <c>PatchEmbed</c>; state_dict keys <c>proj.weight</c>, <c>proj.bias</c> and, with a norm, <c>norm.*</c>),
/// or, with <see cref="VisionTransformerOptions.StemChannels"/>, runs a convolutional stem first and cuts its feature
/// map (timm's <c>HybridEmbed</c> around a <c>ConvStem</c>: keys <c>backbone.{i}.*</c>, then <c>proj.*</c>).
/// Input <c>[B, C, H, W]</c>, output <c>[B, (H/P)*(W/P), D]</c> in row-major patch order. Built for one image size,
/// or for any size (timm's <c>strict_img_size=False</c> under <c>dynamic_img_size</c>), optionally zero-padding the
/// bottom and right edges up to a multiple of the patch (<c>dynamic_img_pad</c>).
/// </summary>
public sealed class PatchEmbedding : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly TorchSharp.Modules.Sequential? backbone;
    private readonly Module<Tensor, Tensor> proj;
    private readonly Module<Tensor, Tensor> norm;
    private readonly VisionTransformerOptions _stem;

    /// <summary>Creates the patch embedding. The convolution keeps PyTorch's default initialisation, as timm's does.</summary>
    /// <param name="imageSize">Side of the square input images, in pixels.</param>
    /// <param name="patchSize">Side of the square patches; must divide <paramref name="imageSize"/>.</param>
    /// <param name="inChannels">Number of image channels.</param>
    /// <param name="embedDim">Token width.</param>
    public PatchEmbedding(int imageSize, int patchSize, int inChannels, int embedDim)
        : this(imageSize, patchSize, inChannels, embedDim, new VisionTransformerOptions())
    {
    }

    /// <summary>
    /// Creates the patch embedding of a model with <paramref name="options"/>: a convolution without bias under
    /// <see cref="VisionTransformerOptions.PreNorm"/>, a norm with <see cref="VisionTransformerOptions.PatchEmbeddingNorm"/>,
    /// any input size with <see cref="VisionTransformerOptions.DynamicImageSize"/>, padding with <see cref="VisionTransformerOptions.DynamicImagePad"/>.
    /// </summary>
    /// <param name="options">The model's options (validated by the caller).</param>
    public PatchEmbedding(VisionTransformerOptions options)
        : this(options?.ImageSize ?? 0, options?.PatchSize ?? 0, options?.InChannels ?? 0, options?.EmbedDim ?? 0, options!)
    {
    }

    private PatchEmbedding(int imageSize, int patchSize, int inChannels, int embedDim, VisionTransformerOptions o)
        : base(nameof(PatchEmbedding))
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedDim);
        long featureSide = o.StemOutputSide(imageSize);
        if (featureSide % patchSize != 0)
        {
            throw new ArgumentException(o.HasStem
                ? $"The stem's {featureSide}x{featureSide} feature map of {imageSize}x{imageSize} images is not divisible by patchSize {patchSize}."
                : $"imageSize {imageSize} is not divisible by patchSize {patchSize}.", nameof(patchSize));
        }

        ImageSize = imageSize;
        PatchSize = patchSize;
        InChannels = inChannels;
        EmbedDim = embedDim;
        DynamicImageSize = o.DynamicImageSize;
        DynamicImagePad = o.DynamicImagePad;
        _stem = o.Clone();
        backbone = o.HasStem ? Stem(o, inChannels) : null;
        proj = o.HasStem && !o.StemProjection
            ? Identity()
            : new AutocastConv2d(o.HasStem ? o.EmbeddingInputChannels : inChannels, embedDim, patchSize, stride: patchSize, hasBias: !o.PreNorm);
        norm = Layers.NormOrIdentity(o.PatchEmbeddingNorm, o.Norm, embedDim, o.LayerNormEpsilon);
        RegisterComponents();
    }

    /// <summary>Gets a value indicating whether any input size is accepted (timm's <c>dynamic_img_size</c>).</summary>
    public bool DynamicImageSize { get; }

    /// <summary>Gets a value indicating whether inputs are zero-padded up to a multiple of the patch (timm's <c>dynamic_img_pad</c>).</summary>
    public bool DynamicImagePad { get; }

    /// <summary>Gets the side of the input images, in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>Gets the side of a patch, in pixels.</summary>
    public int PatchSize { get; }

    /// <summary>Gets the number of input channels.</summary>
    public int InChannels { get; }

    /// <summary>Gets the token width.</summary>
    public int EmbedDim { get; }

    /// <summary>Gets the number of patches along one side.</summary>
    public int GridSize => (int)(_stem.StemOutputSide(ImageSize) / PatchSize);

    /// <summary>Gets the convolution whose input is the images: the stem's first, or the patch projection.</summary>
    private AutocastConv2d FirstConvolution => backbone is null ? (AutocastConv2d)proj : ((ConvNormAct)backbone.children().First()).Conv;

    /// <summary>Gets the number of patches (tokens) per image.</summary>
    public int NumPatches => GridSize * GridSize;

    /// <summary>The patch grid (rows, columns) of an input of <paramref name="height"/> x <paramref name="width"/> pixels (timm's <c>dynamic_feat_size</c>).</summary>
    /// <param name="height">Input height in pixels.</param>
    /// <param name="width">Input width in pixels.</param>
    /// <returns>The number of patch rows and columns.</returns>
    public (int Rows, int Columns) GridFor(long height, long width)
    {
        long rows = _stem.StemOutputSide(height), columns = _stem.StemOutputSide(width);
        return DynamicImagePad
            ? ((int)((rows + PatchSize - 1) / PatchSize), (int)((columns + PatchSize - 1) / PatchSize))
            : ((int)(rows / PatchSize), (int)(columns / PatchSize));
    }

    /// <summary>Embeds a batch of images.</summary>
    /// <param name="images">Images shaped <c>[B, InChannels, ImageSize, ImageSize]</c> in the weights' floating dtype (any floating dtype under <see cref="Autocast"/>).</param>
    /// <returns>Patch tokens shaped <c>[B, NumPatches, EmbedDim]</c> (in <see cref="Autocast.Dtype"/> under autocast).</returns>
    /// <exception cref="ArgumentException">Rank, channels, size or dtype differ from what the module was built for.</exception>
    public override Tensor forward(Tensor images)
    {
        CheckImages(images);

        using var scope = NewDisposeScope();

        // [B, D, h, w] -> [B, D, h*w] -> [B, h*w, D]; the transpose is a view, the next op (cat or add) makes it dense.
        var features = backbone is null ? images : backbone.call(images);
        var x = proj.call(Pad(features) ?? features).flatten(2).transpose(1, 2);
        return norm.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>The stem of <paramref name="o"/>: its convolutions as children "0", "1", … (timm's <c>ConvStem</c>, an <c>nn.Sequential</c>).</summary>
    private static TorchSharp.Modules.Sequential Stem(VisionTransformerOptions o, int inChannels)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int channels = inChannels;
        for (int i = 0; i < o.StemChannels!.Length; i++)
        {
            bool last = i == o.StemChannels.Length - 1;
            layers.Add(($"{i}", new ConvNormAct(channels, o.StemChannels[i], o.StemKernelSize(i), o.StemStride(i), o.StemPadding(i), last, o.StemActivation)));
            channels = o.StemChannels[i];
        }

        return Sequential(layers);
    }

    /// <summary>The images (or stem features) zero-padded at the bottom and right to a multiple of the patch, or null when no padding is needed.</summary>
    private Tensor? Pad(Tensor images)
    {
        if (!DynamicImagePad)
        {
            return null;
        }

        long padH = (PatchSize - (images.shape[2] % PatchSize)) % PatchSize;
        long padW = (PatchSize - (images.shape[3] % PatchSize)) % PatchSize;
        return padH == 0 && padW == 0 ? null : nn.functional.pad(images, [0, padW, 0, padH]);
    }

    private void CheckImages(Tensor images)
    {
        string expected = $"[batch, {InChannels}, {ImageSize}, {ImageSize}]";
        string actual = $"[{string.Join(", ", images.shape)}]";
        if (images.dim() != 4)
        {
            throw new ArgumentException($"Expected images shaped {expected} (rank 4), got rank {images.dim()} shape {actual}.", nameof(images));
        }

        if (images.shape[1] != InChannels)
        {
            throw new ArgumentException($"Expected {InChannels} channels (images shaped {expected}), got {images.shape[1]} channels in shape {actual}.", nameof(images));
        }

        if (DynamicImageSize)
        {
            long rows = _stem.StemOutputSide(images.shape[2]), columns = _stem.StemOutputSide(images.shape[3]);
            if (!DynamicImagePad && (rows % PatchSize != 0 || columns % PatchSize != 0 || rows <= 0 || columns <= 0))
            {
                throw new ArgumentException(
                    $"Expected images whose height and width are positive multiples of the patch size {PatchSize}{(_stem.HasStem ? " after the stem" : string.Empty)} (shaped [batch, {InChannels}, H, W]), got {images.shape[2]}x{images.shape[3]} in shape {actual}. " +
                    "Resize or crop the images, or build the model with VisionTransformerOptions.DynamicImagePad to zero-pad them.",
                    nameof(images));
            }
        }
        else if (images.shape[2] != ImageSize || images.shape[3] != ImageSize)
        {
            throw new ArgumentException(
                $"Expected {ImageSize}x{ImageSize} images (shaped {expected}), got {images.shape[2]}x{images.shape[3]} in shape {actual}. " +
                "Resize the images, build a model for this size and load its weights with VisionTransformer.LoadTimm (which resamples the position embeddings), or build it with VisionTransformerOptions.DynamicImageSize.",
                nameof(images));
        }

        if (!images.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point images ({FirstConvolution.Weight.dtype}, like the weights), got dtype {images.dtype}.", nameof(images));
        }

        if (images.dtype != FirstConvolution.Weight.dtype && !Autocast.IsEnabled)
        {
            throw new ArgumentException($"Expected images of dtype {FirstConvolution.Weight.dtype} (the weights' dtype), got {images.dtype}; convert the images or the model, or run under Autocast.", nameof(images));
        }
    }
}
