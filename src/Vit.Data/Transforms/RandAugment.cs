using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// RandAugment (Cubuk et al., "RandAugment: Practical automated data augmentation with a reduced search space",
/// NeurIPS 2020) with timm's semantics (<c>rand-m{M}-n{N}-mstd{S}</c>): each image gets N operations chosen
/// uniformly with replacement from <see cref="GetOps"/>; each is applied with <see cref="Probability"/> at magnitude M
/// (plus N(0, S²) noise, clipped to [0, <see cref="MagnitudeMax"/>]) mapped to its argument by timm's level rules.
/// </summary>
/// <remarks>
/// <para>Runs on floating-point images in [0, 1] (after the loader's uint8 → float conversion, before
/// <see cref="Normalize"/>), on [C, H, W] or [B, C, H, W], any device. Operations that make sense for both
/// grayscale and RGB: AutoContrast, Equalize, Invert, Rotate, Posterize, Solarize, SolarizeAdd, Contrast,
/// Brightness, Sharpness, ShearX/Y, TranslateX/YRel. Color (saturation) needs RGB: on one channel it is the identity,
/// so by default it is only offered for 3-channel images.</para>
/// <para>Each operation matches the PIL function timm calls to within one 8-bit level (exactly for the table lookups
/// Posterize, Solarize, SolarizeAdd, Invert and Equalize; tested against Pillow 9.4). Differences from timm's PIL
/// path: values stay floating point between operations (PIL rounds to 8 bits after each), and Rotate, Shear and
/// Translate are always bilinear (timm picks bilinear or bicubic at random).</para>
/// <para>Each image draws its choices, coin flips, magnitudes and signs from its own stream on the host. Then, layer
/// by layer, the images that picked the same operation are gathered and transformed together (one whole-tensor
/// call per operation in use), so a batch costs about N passes over it. The input is never modified.</para>
/// </remarks>
public sealed class RandAugment : RandomBatchTransform
{
    private const double UniformMagnitudeStd = 100;
    private static readonly RandAugmentOp[] AllOps = Enum.GetValues<RandAugmentOp>();
    private static readonly RandAugmentOp[] NonRgbOps = [.. AllOps.Where(op => op != RandAugmentOp.Color)];

    private readonly RandAugmentOp[]? _ops;
    private readonly float[] _fill;

    /// <summary>Creates the transform.</summary>
    /// <param name="options">Options; <see langword="null"/> for timm's defaults (<c>rand-m10-n2</c>).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    public RandAugment(RandAugmentOptions? options = null)
        : base(options?.Seed)
    {
        options ??= new RandAugmentOptions();
        new RandAugmentOptionsValidator().ThrowIfInvalid(options);
        Magnitude = options.Magnitude;
        NumLayers = options.NumLayers;
        Probability = options.Probability;
        MagnitudeStd = options.MagnitudeStd;
        MagnitudeMax = options.MagnitudeMax;
        Increasing = options.Increasing;
        _ops = options.Ops?.ToArray();
        _fill = options.FillValue?.ToArray() ?? [128f / 255f];
    }

    /// <summary>Gets the magnitude M (0–10 scale).</summary>
    public double Magnitude { get; }

    /// <summary>Gets the number of operations per image.</summary>
    public int NumLayers { get; }

    /// <summary>Gets the chance that each chosen operation is applied.</summary>
    public double Probability { get; }

    /// <summary>Gets the magnitude noise's standard deviation (above 100: uniform in [0, M]).</summary>
    public double MagnitudeStd { get; }

    /// <summary>Gets the upper clip of the magnitude.</summary>
    public double MagnitudeMax { get; }

    /// <summary>Gets whether timm's increasing levels are used.</summary>
    public bool Increasing { get; }

    /// <summary>Gets the fill value of the geometric operations (one value means every channel).</summary>
    public IReadOnlyList<float> FillValue => _fill;

    /// <summary>The operations offered by default: timm's 15 for 3 channels, the 14 without Color otherwise.</summary>
    /// <param name="channels">The images' channel count.</param>
    /// <returns>The operations, in timm's order.</returns>
    public static IReadOnlyList<RandAugmentOp> DefaultOps(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        return channels == 3 ? AllOps : NonRgbOps;
    }

    /// <summary>Gets the operations chosen from for images with <paramref name="channels"/> channels.</summary>
    /// <param name="channels">The images' channel count.</param>
    /// <returns>The configured operations, or <see cref="DefaultOps"/>.</returns>
    public IReadOnlyList<RandAugmentOp> GetOps(int channels) => _ops ?? DefaultOps(channels);

    /// <inheritdoc/>
    protected override Tensor ApplyToBatch(Tensor images, SampleStreams streams)
    {
        if (!images.is_floating_point())
        {
            throw new ArgumentException($"RandAugment takes floating-point images in [0, 1]; got {images.dtype}.", nameof(images));
        }

        int batch = (int)images.shape[0], channels = (int)images.shape[1];
        var ops = GetOps(channels);
        if (channels != 3 && ops.Contains(RandAugmentOp.Color))
        {
            throw new ArgumentException(
                $"RandAugment's Color operation needs 3-channel (RGB) images; got {channels} channel(s). Leave Ops null to use the operations that fit.", nameof(images));
        }

        if (_fill.Length != 1 && _fill.Length != channels)
        {
            throw new ArgumentException($"FillValue has {_fill.Length} values but the images have {channels} channels.", nameof(images));
        }

        var chosen = new RandAugmentOp?[batch, NumLayers];
        var arguments = new double[batch, NumLayers];
        for (int b = 0; b < batch; b++)
        {
            Draw(streams.ForSample(b), ops, b, chosen, arguments);
        }

        Tensor fill = tensor(_fill).to(images.dtype, images.device).view(1, -1, 1, 1);
        Tensor result = images;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            foreach (var op in ops.Distinct())
            {
                long[] members = [.. Enumerable.Range(0, batch).Where(b => chosen[b, layer] == op).Select(b => (long)b)];
                if (members.Length == 0)
                {
                    continue;
                }

                double[] values = [.. members.Select(b => arguments[b, layer])];
                if (members.Length == batch)
                {
                    result = RandAugmentOps.Apply(op, result, values, fill);
                    continue;
                }

                Tensor index = tensor(members, device: images.device);
                Tensor changed = RandAugmentOps.Apply(op, result.index_select(0, index), values, fill);
                result = result.index_copy(0, index, changed);
            }
        }

        return result;
    }

    /// <summary>One image's draws: its N choices, then per layer the coin flip, the magnitude noise and the sign.</summary>
    private void Draw(SampleRandom random, IReadOnlyList<RandAugmentOp> ops, int b, RandAugmentOp?[,] chosen, double[,] arguments)
    {
        var picks = new RandAugmentOp[NumLayers];
        for (int layer = 0; layer < NumLayers; layer++)
        {
            picks[layer] = ops[random.NextInt(ops.Count)];
        }

        for (int layer = 0; layer < NumLayers; layer++)
        {
            var op = picks[layer];
            bool applied = random.NextDouble() < Probability;
            double magnitude = Magnitude;
            if (MagnitudeStd > UniformMagnitudeStd)
            {
                magnitude = random.NextDouble(0, Magnitude);
            }
            else if (MagnitudeStd > 0)
            {
                magnitude += MagnitudeStd * random.NextGaussian();
            }

            magnitude = Math.Clamp(magnitude, 0, MagnitudeMax);
            bool negate = RandAugmentLevels.IsSigned(op, Increasing) && random.NextDouble() > 0.5;
            if (applied)
            {
                chosen[b, layer] = op;
                arguments[b, layer] = RandAugmentLevels.Argument(op, magnitude, negate, Increasing);
            }
        }
    }
}
