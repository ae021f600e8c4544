using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Pads every image by <see cref="Padding"/> pixels on each side with <see cref="Fill"/>, then cuts a
/// <see cref="Height"/> x <see cref="Width"/> window at an independent uniform position per image (the CIFAR
/// "pad 4, crop 32" augmentation). Batched with two gathers, so it runs the same on any device.
/// </summary>
public sealed class RandomCrop : RandomBatchTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="padding">Pixels added on every side before cropping, ≥ 0.</param>
    /// <param name="fill">Value of the padded pixels (0 is the mean after <see cref="Normalize"/>).</param>
    /// <param name="seed">Seed of the transform's own generator (see <see cref="RandomBatchTransform"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or the padding is negative.</exception>
    public RandomCrop(int height, int width, int padding = 0, float fill = 0f, int? seed = null)
        : base(seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Height = height;
        Width = width;
        Padding = padding;
        Fill = fill;
    }

    /// <summary>Gets the output height.</summary>
    public int Height { get; }

    /// <summary>Gets the output width.</summary>
    public int Width { get; }

    /// <summary>Gets the padding added on every side.</summary>
    public int Padding { get; }

    /// <summary>Gets the value of padded pixels.</summary>
    public float Fill { get; }

    /// <inheritdoc/>
    protected override Tensor ApplyToBatch(Tensor images, Generator generator)
    {
        long batch = images.shape[0], channels = images.shape[1];
        long paddedHeight = images.shape[2] + (2 * Padding), paddedWidth = images.shape[3] + (2 * Padding);
        if (paddedHeight < Height || paddedWidth < Width)
        {
            throw new ArgumentException(
                $"RandomCrop to {Height}x{Width} needs padded images at least that large; got {paddedHeight}x{paddedWidth} " +
                $"({images.shape[2]}x{images.shape[3]} with padding {Padding}).", nameof(images));
        }

        Tensor top = randint(0, paddedHeight - Height + 1, [batch], ScalarType.Int64, generator: generator);
        Tensor left = randint(0, paddedWidth - Width + 1, [batch], ScalarType.Int64, generator: generator);
        Tensor padded = Padding == 0
            ? images
            : nn.functional.pad(images, [Padding, Padding, Padding, Padding], TorchSharp.PaddingModes.Constant, Fill);

        // Row r of image b comes from padded row top[b] + r; likewise columns. Gather rows, then columns.
        Tensor rows = (top.view(batch, 1) + arange(Height, ScalarType.Int64)).to(images.device);
        Tensor cols = (left.view(batch, 1) + arange(Width, ScalarType.Int64)).to(images.device);
        Tensor byRows = padded.gather(2, rows.view(batch, 1, Height, 1).expand(batch, channels, Height, paddedWidth));
        return byRows.gather(3, cols.view(batch, 1, 1, Width).expand(batch, channels, Height, Width));
    }
}
