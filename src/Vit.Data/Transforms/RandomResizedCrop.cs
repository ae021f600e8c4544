using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Inception-style crop, per image: a window covering a random fraction of the image's area (uniform in
/// [<see cref="MinScale"/>, <see cref="MaxScale"/>]) with a random aspect ratio (log-uniform in
/// [<see cref="MinRatio"/>, <see cref="MaxRatio"/>]) at a random position, resized to
/// <see cref="Height"/> x <see cref="Width"/> with antialiased bilinear interpolation.
/// </summary>
/// <remarks>
/// Sampling follows torchvision's <c>RandomResizedCrop.get_params</c>: up to ten tries for a window that fits, then
/// the largest centred window whose ratio is clamped into the range. Windows differ in size, so each image is
/// resized separately (one interpolate call per image); each image draws its 40 uniforms from its own stream.
/// Input must be floating point.
/// </remarks>
public sealed class RandomResizedCrop : RandomBatchTransform
{
    private const int Attempts = 10;

    /// <summary>Creates the transform.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="minScale">Smallest fraction of the image area kept, in (0, maxScale].</param>
    /// <param name="maxScale">Largest fraction of the image area kept, in [minScale, 1].</param>
    /// <param name="minRatio">Smallest width/height ratio, &gt; 0.</param>
    /// <param name="maxRatio">Largest width/height ratio, ≥ minRatio.</param>
    /// <param name="seed">Seed of the transform's own generator (see <see cref="RandomBatchTransform"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, scale or ratio is out of range.</exception>
    public RandomResizedCrop(
        int height, int width, double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4.0, double maxRatio = 4.0 / 3.0, int? seed = null)
        : base(seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minScale), $"Scale must satisfy 0 < min ≤ max ≤ 1; got [{minScale}, {maxScale}].");
        }

        if (!(minRatio > 0 && minRatio <= maxRatio && double.IsFinite(maxRatio)))
        {
            throw new ArgumentOutOfRangeException(nameof(minRatio), $"Ratio must satisfy 0 < min ≤ max; got [{minRatio}, {maxRatio}].");
        }

        (Height, Width, MinScale, MaxScale, MinRatio, MaxRatio) = (height, width, minScale, maxScale, minRatio, maxRatio);
    }

    /// <summary>Gets the output height.</summary>
    public int Height { get; }

    /// <summary>Gets the output width.</summary>
    public int Width { get; }

    /// <summary>Gets the smallest fraction of the area kept.</summary>
    public double MinScale { get; }

    /// <summary>Gets the largest fraction of the area kept.</summary>
    public double MaxScale { get; }

    /// <summary>Gets the smallest width/height ratio.</summary>
    public double MinRatio { get; }

    /// <summary>Gets the largest width/height ratio.</summary>
    public double MaxRatio { get; }

    /// <summary>Chooses one crop window (top, left, height, width) from four uniforms per attempt.</summary>
    /// <param name="imageHeight">The image height.</param>
    /// <param name="imageWidth">The image width.</param>
    /// <param name="uniforms">Ten attempts of (area, log-ratio, top, left) uniforms in [0, 1).</param>
    /// <returns>The window.</returns>
    internal (int Top, int Left, int Height, int Width) ChooseWindow(int imageHeight, int imageWidth, ReadOnlySpan<double> uniforms)
    {
        double area = (double)imageHeight * imageWidth;
        double logMin = Math.Log(MinRatio), logMax = Math.Log(MaxRatio);
        for (int a = 0; a < Attempts; a++)
        {
            ReadOnlySpan<double> u = uniforms.Slice(4 * a, 4);
            double targetArea = area * (MinScale + ((MaxScale - MinScale) * u[0]));
            double ratio = Math.Exp(logMin + ((logMax - logMin) * u[1]));
            int w = (int)Math.Round(Math.Sqrt(targetArea * ratio));
            int h = (int)Math.Round(Math.Sqrt(targetArea / ratio));
            if (w > 0 && w <= imageWidth && h > 0 && h <= imageHeight)
            {
                int top = Math.Min((int)(u[2] * (imageHeight - h + 1)), imageHeight - h);
                int left = Math.Min((int)(u[3] * (imageWidth - w + 1)), imageWidth - w);
                return (top, left, h, w);
            }
        }

        double inRatio = (double)imageWidth / imageHeight;
        int fh = imageHeight, fw = imageWidth;
        if (inRatio < MinRatio)
        {
            fh = Math.Max(1, (int)Math.Round(fw / MinRatio));
        }
        else if (inRatio > MaxRatio)
        {
            fw = Math.Max(1, (int)Math.Round(fh * MaxRatio));
        }

        return ((imageHeight - fh) / 2, (imageWidth - fw) / 2, fh, fw);
    }

    /// <inheritdoc/>
    protected override Tensor ApplyToBatch(Tensor images, SampleStreams streams)
    {
        if (!images.is_floating_point())
        {
            throw new ArgumentException($"RandomResizedCrop takes floating-point images; got {images.dtype}.", nameof(images));
        }

        int batch = (int)images.shape[0], imageHeight = (int)images.shape[2], imageWidth = (int)images.shape[3];
        var uniforms = new double[Attempts * 4];
        var crops = new Tensor[batch];
        for (int b = 0; b < batch; b++)
        {
            var random = streams.ForSample(b);
            for (int i = 0; i < uniforms.Length; i++)
            {
                uniforms[i] = random.NextDouble();
            }

            var (top, left, h, w) = ChooseWindow(imageHeight, imageWidth, uniforms);
            Tensor window = images.narrow(0, b, 1).narrow(2, top, h).narrow(3, left, w);
            crops[b] = nn.functional.interpolate(
                window, [Height, Width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        }

        return cat(crops, 0);
    }
}
