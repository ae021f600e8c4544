using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// Cuts images into non-overlapping square patches and projects each to a token with one strided convolution
/// (timm's <c>PatchEmbed</c>; state_dict keys <c>proj.weight</c>, <c>proj.bias</c>).
/// Input <c>[B, C, H, W]</c>, output <c>[B, (H/P)*(W/P), D]</c> in row-major patch order.
/// </summary>
public sealed class PatchEmbedding : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Conv2d proj;

    /// <summary>Creates the patch embedding. The convolution keeps PyTorch's default initialisation, as timm's does.</summary>
    /// <param name="imageSize">Side of the square input images, in pixels.</param>
    /// <param name="patchSize">Side of the square patches; must divide <paramref name="imageSize"/>.</param>
    /// <param name="inChannels">Number of image channels.</param>
    /// <param name="embedDim">Token width.</param>
    public PatchEmbedding(int imageSize, int patchSize, int inChannels, int embedDim)
        : base(nameof(PatchEmbedding))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedDim);
        if (imageSize % patchSize != 0)
        {
            throw new ArgumentException($"imageSize {imageSize} is not divisible by patchSize {patchSize}.", nameof(patchSize));
        }

        ImageSize = imageSize;
        PatchSize = patchSize;
        InChannels = inChannels;
        EmbedDim = embedDim;
        proj = Conv2d(inChannels, embedDim, kernel_size: patchSize, stride: patchSize);
        RegisterComponents();
    }

    /// <summary>Gets the side of the input images, in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>Gets the side of a patch, in pixels.</summary>
    public int PatchSize { get; }

    /// <summary>Gets the number of input channels.</summary>
    public int InChannels { get; }

    /// <summary>Gets the token width.</summary>
    public int EmbedDim { get; }

    /// <summary>Gets the number of patches along one side.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Gets the number of patches (tokens) per image.</summary>
    public int NumPatches => GridSize * GridSize;

    /// <summary>Embeds a batch of images.</summary>
    /// <param name="images">Images shaped <c>[B, InChannels, ImageSize, ImageSize]</c> in the weights' floating dtype (any floating dtype under <see cref="Autocast"/>).</param>
    /// <returns>Patch tokens shaped <c>[B, NumPatches, EmbedDim]</c> (in <see cref="Autocast.Dtype"/> under autocast).</returns>
    /// <exception cref="ArgumentException">Rank, channels, size or dtype differ from what the module was built for.</exception>
    public override Tensor forward(Tensor images)
    {
        CheckImages(images);

        // [B, D, h, w] -> [B, D, h*w] -> [B, h*w, D]; the transpose is a view, the next op (cat or add) makes it dense.
        using var grid = Autocast.Conv2d(proj, images);
        using var flat = grid.flatten(2);
        return flat.transpose(1, 2);
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

        if (images.shape[2] != ImageSize || images.shape[3] != ImageSize)
        {
            throw new ArgumentException(
                $"Expected {ImageSize}x{ImageSize} images (shaped {expected}), got {images.shape[2]}x{images.shape[3]} in shape {actual}. " +
                "Resize the images, or build a model for this size and load its weights with VisionTransformer.LoadTimm, which resamples the position embeddings.",
                nameof(images));
        }

        if (!images.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point images ({proj.weight!.dtype}, like the weights), got dtype {images.dtype}.", nameof(images));
        }

        if (images.dtype != proj.weight!.dtype && !Autocast.IsEnabled)
        {
            throw new ArgumentException($"Expected images of dtype {proj.weight.dtype} (the weights' dtype), got {images.dtype}; convert the images or the model, or run under Autocast.", nameof(images));
        }
    }
}
