using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Pads every image by <see cref="Padding"/> pixels on each side with <see cref="Fill"/>, then cuts a
/// <see cref="Height"/> x <see cref="Width"/> window at an independent uniform position per image (the CIFAR
/// "pad 4, crop 32" augmentation). The padded batch is cut by one view per image and copied once, on any device.
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
    protected override Tensor ApplyToBatch(Tensor images, SampleStreams streams)
    {
        long batch = images.shape[0], channels = images.shape[1];
        long paddedHeight = images.shape[2] + (2 * Padding), paddedWidth = images.shape[3] + (2 * Padding);
        if (paddedHeight < Height || paddedWidth < Width)
        {
            throw new ArgumentException(
                $"RandomCrop to {Height}x{Width} needs padded images at least that large; got {paddedHeight}x{paddedWidth} " +
                $"({images.shape[2]}x{images.shape[3]} with padding {Padding}).", nameof(images));
        }

        var top = new int[batch];
        var left = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            var random = streams.ForSample(b);
            top[b] = random.NextInt((int)(paddedHeight - Height + 1));
            left[b] = random.NextInt((int)(paddedWidth - Width + 1));
        }

        Tensor padded = Padding == 0
            ? images
            : nn.functional.pad(images, [Padding, Padding, Padding, Padding], TorchSharp.PaddingModes.Constant, Fill);

        // One view per image and one copy into the output: measured 2x faster on the CPU than two gathers with
        // per-pixel indices, and the same on every device.
        var windows = new Tensor[batch];
        for (int b = 0; b < batch; b++)
        {
            windows[b] = padded[b].narrow(1, top[b], Height).narrow(2, left[b], Width);
        }

        return stack(windows, 0);
    }
}
