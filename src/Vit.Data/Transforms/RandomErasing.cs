using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Random Erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020) as timm's <c>RandomErasing</c>
/// defines it: with <see cref="Probability"/>, an image gets between <see cref="MinCount"/> and <see cref="MaxCount"/>
/// boxes, each of area uniform in [<see cref="MinArea"/>, <see cref="MaxArea"/>] of the image divided by the count and
/// aspect ratio (height / width) log-uniform in [<see cref="MinAspect"/>, <see cref="MaxAspect"/>], at a uniform
/// position, filled per <see cref="Mode"/>. Meant to run after <see cref="Normalize"/> (the fills are mean-0, unit-variance values).
/// </summary>
/// <remarks>
/// Like timm, a box gets up to ten tries to fit strictly inside the image (height &lt; H, width &lt; W) and is
/// skipped otherwise. Each image draws its decision, count, boxes and colours from its own stream on the host;
/// <see cref="RandomErasingMode.Pixel"/> noise comes from libtorch's CPU generator seeded from that stream. The
/// output is one <c>where</c> per box slot on the images' device; the input is never modified.
/// </remarks>
public sealed class RandomErasing : RandomBatchTransform
{
    private const int Attempts = 10;
    private readonly float[] _fill;

    /// <summary>Creates the transform.</summary>
    /// <param name="options">Options; <see langword="null"/> for timm's defaults (probability 0.5, constant 0, one box).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range, or a minimum exceeds its maximum.</exception>
    public RandomErasing(RandomErasingOptions? options = null)
        : base(options?.Seed)
    {
        options ??= new RandomErasingOptions();
        new RandomErasingOptionsValidator().ThrowIfInvalid(options);
        Probability = options.Probability;
        MinArea = options.MinArea;
        MaxArea = options.MaxArea;
        MinAspect = options.MinAspect;
        MaxAspect = options.MaxAspect ?? (1.0 / options.MinAspect);
        Mode = options.Mode;
        MinCount = options.MinCount;
        MaxCount = options.MaxCount ?? options.MinCount;
        _fill = options.FillValue?.ToArray() ?? [0f];
    }

    /// <summary>Gets the chance that an image is erased.</summary>
    public double Probability { get; }

    /// <summary>Gets the smallest box area, as a fraction of the image.</summary>
    public double MinArea { get; }

    /// <summary>Gets the largest box area, as a fraction of the image.</summary>
    public double MaxArea { get; }

    /// <summary>Gets the smallest aspect ratio (height / width).</summary>
    public double MinAspect { get; }

    /// <summary>Gets the largest aspect ratio (height / width).</summary>
    public double MaxAspect { get; }

    /// <summary>Gets what erased pixels become.</summary>
    public RandomErasingMode Mode { get; }

    /// <summary>Gets the smallest number of boxes of an erased image.</summary>
    public int MinCount { get; }

    /// <summary>Gets the largest number of boxes of an erased image.</summary>
    public int MaxCount { get; }

    /// <summary>Gets the constant fill per channel (one value means every channel).</summary>
    public IReadOnlyList<float> FillValue => _fill;

    /// <inheritdoc/>
    protected override Tensor ApplyToBatch(Tensor images, SampleStreams streams)
    {
        if (!images.is_floating_point())
        {
            throw new ArgumentException($"RandomErasing takes floating-point images; got {images.dtype}.", nameof(images));
        }

        int batch = (int)images.shape[0], channels = (int)images.shape[1], height = (int)images.shape[2], width = (int)images.shape[3];
        if (Mode == RandomErasingMode.Const && _fill.Length != 1 && _fill.Length != channels)
        {
            throw new ArgumentException($"FillValue has {_fill.Length} values but the images have {channels} channels.", nameof(images));
        }

        var boxes = new (long[] Top, long[] Bottom, long[] Left, long[] Right)[MaxCount];
        for (int j = 0; j < MaxCount; j++)
        {
            boxes[j] = (new long[batch], new long[batch], new long[batch], new long[batch]);
        }

        float[]? colours = Mode == RandomErasingMode.Rand ? new float[MaxCount * batch * channels] : null;
        var noiseSeeds = new ulong?[batch];
        bool any = false;
        double logMin = Math.Log(MinAspect), logMax = Math.Log(MaxAspect), area = (double)height * width;
        for (int b = 0; b < batch; b++)
        {
            var random = streams.ForSample(b);
            if (!random.NextBoolean(Probability))
            {
                continue;
            }

            int count = MinCount == MaxCount ? MinCount : MinCount + random.NextInt(MaxCount - MinCount + 1);
            for (int j = 0; j < count; j++)
            {
                for (int attempt = 0; attempt < Attempts; attempt++)
                {
                    double target = random.NextDouble(MinArea, MaxArea) * area / count;
                    double aspect = Math.Exp(random.NextDouble(logMin, logMax));
                    int h = (int)Math.Round(Math.Sqrt(target * aspect)), w = (int)Math.Round(Math.Sqrt(target / aspect));
                    if (w < width && h < height)
                    {
                        int top = random.NextInt(height - h + 1), left = random.NextInt(width - w + 1);
                        (boxes[j].Top[b], boxes[j].Bottom[b], boxes[j].Left[b], boxes[j].Right[b]) = (top, top + h, left, left + w);
                        for (int c = 0; colours is not null && c < channels; c++)
                        {
                            colours[(((j * batch) + b) * channels) + c] = (float)random.NextGaussian();
                        }

                        any |= h > 0 && w > 0;
                        break;
                    }
                }
            }

            if (Mode == RandomErasingMode.Pixel)
            {
                noiseSeeds[b] = random.NextUInt64();
            }
        }

        if (!any)
        {
            return images;
        }

        var device = images.device;
        var masks = boxes.Select(box => BoxMask.Build(box.Top, box.Bottom, box.Left, box.Right, height, width, device)).ToArray();
        if (Mode == RandomErasingMode.Rand)
        {
            Tensor result = images;
            for (int j = 0; j < MaxCount; j++)
            {
                Tensor colour = tensor(colours!.AsSpan(j * batch * channels, batch * channels).ToArray(), [batch, channels, 1, 1]).to(images.dtype, device);
                result = where(masks[j], colour, result);
            }

            return result;
        }

        Tensor erased = masks.Aggregate((a, m) => a.logical_or(m));
        Tensor fill = Mode == RandomErasingMode.Const
            ? tensor(_fill).to(images.dtype, device).view(1, -1, 1, 1)
            : Noise(noiseSeeds, channels, height, width).to(images.dtype, device);
        return where(erased, fill, images);
    }

    /// <summary>Standard-normal noise [B, C, H, W] for the erased images (zeros for the others, which are never read).</summary>
    private static Tensor Noise(ulong?[] seeds, int channels, int height, int width)
    {
        var planes = new Tensor[seeds.Length];
        for (int b = 0; b < seeds.Length; b++)
        {
            if (seeds[b] is ulong seed)
            {
                using var generator = new Generator(seed, CPU);
                planes[b] = randn([channels, height, width], generator: generator);
            }
            else
            {
                planes[b] = zeros(channels, height, width);
            }
        }

        return stack(planes, 0);
    }
}
