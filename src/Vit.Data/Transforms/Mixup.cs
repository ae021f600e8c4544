using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Mixup (Zhang et al., ICLR 2018) and CutMix (Yun et al., ICCV 2019) with timm's semantics
/// (<c>timm.data.Mixup</c>): mixes each sample with a partner and returns soft targets [B, K] weighted by λ.
/// </summary>
/// <remarks>
/// <para><b>What it mixes.</b> Samples 2k and 2k + 1 of the batch it is given are partners (an odd last sample is its
/// own partner and stays as it is). timm pairs sample i with B − 1 − i; on a shuffled batch both are a uniformly
/// random pairing, and neighbours keep every pair inside any even-sized, contiguous part of a batch. Mixup draws
/// λ ~ Beta(<see cref="MixupOptions.MixupAlpha"/>, same) and blends <c>λ x + (1 − λ) x_partner</c>. CutMix draws
/// λ ~ Beta(<see cref="MixupOptions.CutmixAlpha"/>, same), a box of side √(1 − λ) of the image's around a uniform centre,
/// clipped to the image, pastes the partner's pixels into it and (with <see cref="MixupOptions.CorrectLambda"/>)
/// sets λ = 1 − box area / image area. Targets: <c>λ y + (1 − λ) y_partner</c> with label-smoothed one-hot y
/// (1 − ε + ε/K on the label, ε/K elsewhere).</para>
/// <para><b>Randomness and sharding.</b> In the <see cref="BatchLoader"/> (<see cref="IBatchTransform"/>), batch mode
/// draws from the batch's stream, keyed by (loader seed, epoch, batch index); pair mode from the stream of each pair's
/// first sample and element mode from each sample's, keyed by (seed, epoch, dataset index). So when a global batch
/// is sharded across processes in contiguous, even-sized parts whose loaders number batches globally, every process
/// mixes its part exactly as one process mixes the global batch: pairs never cross a shard, and nothing depends on
/// a sample's position. It mixes only within the batch (or shard) it is given.</para>
/// <para>Whole-tensor operations on the images' device: one gather for the partners, one blend, one box mask.
/// The input is never modified.</para>
/// </remarks>
public sealed class Mixup : IBatchTransform
{
    private readonly long _seed;
    private long _calls = -1;

    /// <summary>Creates the transform.</summary>
    /// <param name="options">The options; <see langword="null"/> for timm's defaults (Mixup α 1, 1000 classes).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range, or both alphas are 0.</exception>
    public Mixup(MixupOptions? options = null)
    {
        options ??= new MixupOptions();
        new MixupOptionsValidator().ThrowIfInvalid(options);
        MixupAlpha = options.MixupAlpha;
        CutmixAlpha = options.CutmixAlpha;
        Probability = options.Probability;
        SwitchProbability = options.SwitchProbability;
        LabelSmoothing = options.LabelSmoothing;
        NumClasses = options.NumClasses;
        Mode = options.Mode;
        CorrectLambda = options.CorrectLambda;
        Seed = options.Seed ?? Random.Shared.Next();
        _seed = Seed;
    }

    /// <summary>Gets Mixup's α (0: off).</summary>
    public double MixupAlpha { get; }

    /// <summary>Gets CutMix's α (0: off).</summary>
    public double CutmixAlpha { get; }

    /// <summary>Gets the chance that a batch, pair or sample is mixed.</summary>
    public double Probability { get; }

    /// <summary>Gets the chance of CutMix instead of Mixup when both are on.</summary>
    public double SwitchProbability { get; }

    /// <summary>Gets the label smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <summary>Gets the number of classes K.</summary>
    public int NumClasses { get; }

    /// <summary>Gets how parameters are drawn.</summary>
    public MixupMode Mode { get; }

    /// <summary>Gets whether CutMix's λ is corrected to the clipped box.</summary>
    public bool CorrectLambda { get; }

    /// <summary>Gets the seed of the transform's own streams (the option's, or the one drawn at construction).</summary>
    public int Seed { get; }

    /// <summary>
    /// Mixes one batch, drawing from the transform's own streams: call n uses streams keyed by (Seed, n, position),
    /// so two transforms with the same seed give the same sequence of results. Thread-safe.
    /// </summary>
    /// <param name="images">Floating-point images [B, C, H, W]; never modified.</param>
    /// <param name="labels">Class indices [B] in [0, NumClasses), an integer type; never modified.</param>
    /// <returns>The mixed images (same shape, dtype, device) and soft targets [B, NumClasses] (float32, float64 for float64 images).</returns>
    /// <exception cref="ArgumentException">The images are not floating [B, C, H, W], or the labels do not fit them or are out of range.</exception>
    public (Tensor Images, Tensor Targets) Apply(Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        long call = Interlocked.Increment(ref _calls);
        int count = images.dim() > 0 ? (int)images.shape[0] : 0;
        return Apply(images, labels, SampleStreams.FromSeed(unchecked((long)SeedSequence.Mix(_seed, call)), count));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The images are not floating [B, C, H, W], the labels do not fit them or are out of range, or the streams are not one per sample.</exception>
    public (Tensor Images, Tensor Targets) Apply(Tensor images, Tensor labels, SampleStreams streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        Check(images, labels);
        int batch = (int)images.shape[0], height = (int)images.shape[2], width = (int)images.shape[3];
        if (streams.Count != batch)
        {
            throw new ArgumentException($"Mixup got {streams.Count} sample streams for {batch} images; pass one stream per image.", nameof(streams));
        }

        var parameters = DrawParameters(streams, batch, height, width);
        using var scope = NewDisposeScope();
        var device = images.device;
        var partner = new long[batch];
        for (int i = 0; i < batch; i++)
        {
            partner[i] = (i ^ 1) < batch ? i ^ 1 : i;
        }

        Tensor partners = tensor(partner, device: device);
        Tensor mixed = MixImages(images, partners, parameters);
        Tensor targets = MixTargets(labels, partners, parameters, images.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32);
        return (mixed.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    /// <summary>Label-smoothed one-hot targets: 1 − ε + ε/K on the label, ε/K elsewhere.</summary>
    internal Tensor SmoothOneHot(Tensor labels, ScalarType dtype)
    {
        double off = LabelSmoothing / NumClasses, on = 1.0 - LabelSmoothing + off;

        // Explicit Scalars, disposed after use: TorchSharp's implicit ones can be freed by another thread's GC mid-call.
        using var offValue = off.ToScalar();
        using var onValue = on.ToScalar();
        return full([labels.shape[0], NumClasses], offValue, dtype, labels.device)
            .scatter_(1, labels.to(ScalarType.Int64).view(-1, 1), full([labels.shape[0], 1], onValue, dtype, labels.device));
    }

    /// <summary>One sample's (or pair's, or batch's) draws, in timm's order: mix?, CutMix?, λ, box centre.</summary>
    internal MixParameters Draw(SampleRandom random, int height, int width)
    {
        if (!random.NextBoolean(Probability))
        {
            return MixParameters.None;
        }

        bool cutmix = MixupAlpha > 0 && CutmixAlpha > 0 ? random.NextBoolean(SwitchProbability) : CutmixAlpha > 0;
        double alpha = cutmix ? CutmixAlpha : MixupAlpha;
        double lambda = random.NextBeta(alpha, alpha);
        if (!cutmix)
        {
            return new MixParameters(lambda, false, 0, 0, 0, 0);
        }

        double side = Math.Sqrt(1.0 - lambda);
        int cutHeight = (int)(height * side), cutWidth = (int)(width * side);
        int centreY = random.NextInt(height), centreX = random.NextInt(width);
        int top = Math.Clamp(centreY - (cutHeight / 2), 0, height), bottom = Math.Clamp(centreY + (cutHeight / 2), 0, height);
        int left = Math.Clamp(centreX - (cutWidth / 2), 0, width), right = Math.Clamp(centreX + (cutWidth / 2), 0, width);
        if (CorrectLambda)
        {
            lambda = 1.0 - ((double)(bottom - top) * (right - left) / ((double)height * width));
        }

        return new MixParameters(lambda, true, top, bottom, left, right);
    }

    private MixParameters[] DrawParameters(SampleStreams streams, int batch, int height, int width)
    {
        var parameters = new MixParameters[batch];
        if (Mode == MixupMode.Batch)
        {
            Array.Fill(parameters, batch == 0 ? MixParameters.None : Draw(streams.ForBatch(), height, width));
            return parameters;
        }

        for (int i = 0; i < batch; i++)
        {
            parameters[i] = Mode == MixupMode.Pair && i % 2 == 1
                ? parameters[i - 1]
                : Draw(streams.ForSample(i), height, width);
        }

        return parameters;
    }

    private static Tensor MixImages(Tensor images, Tensor partners, MixParameters[] parameters)
    {
        int batch = parameters.Length;
        if (!parameters.Any(p => p.Mixes))
        {
            return images.clone();
        }

        Tensor other = images.index_select(0, partners);
        Tensor result = images;
        if (parameters.Any(p => !p.Cutmix && p.Mixes))
        {
            var weights = parameters.Select(p => p.Cutmix ? 1.0 : p.Lambda).ToArray();
            using var one = 1.0.ToScalar();
            Tensor lambda = tensor(weights, device: images.device).to(images.dtype).view(batch, 1, 1, 1);
            result = images.mul(lambda).add_(other.mul(lambda.neg().add_(one, ScalarConstants.One)), ScalarConstants.One);
        }

        if (parameters.Any(p => p.Cutmix && p.Mixes))
        {
            long[] Bounds(Func<MixParameters, int> pick) => [.. parameters.Select(p => (long)pick(p))];
            Tensor box = BoxMask.Build(
                Bounds(p => p.Top), Bounds(p => p.Bottom), Bounds(p => p.Left), Bounds(p => p.Right), images.shape[2], images.shape[3], images.device);
            result = where(box, other, result);
        }

        return ReferenceEquals(result, images) ? images.clone() : result;
    }

    private Tensor MixTargets(Tensor labels, Tensor partners, MixParameters[] parameters, ScalarType dtype)
    {
        Tensor own = SmoothOneHot(labels, dtype);
        using var one = 1.0.ToScalar();
        Tensor lambda = tensor(parameters.Select(p => p.Lambda).ToArray(), device: labels.device).to(dtype).view(-1, 1);
        Tensor partner = own.index_select(0, partners.to(labels.device));
        return own.mul(lambda).add_(partner.mul(lambda.neg().add_(one, ScalarConstants.One)), ScalarConstants.One);
    }

    private void Check(Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.dim() != 4 || !images.is_floating_point())
        {
            throw new ArgumentException(
                $"Mixup takes floating-point images [B, C, H, W]; got {images.dtype} [{string.Join(", ", images.shape)}].", nameof(images));
        }

        if (labels.dim() != 1 || labels.shape[0] != images.shape[0] || labels.is_floating_point() || labels.dtype == ScalarType.Bool)
        {
            throw new ArgumentException(
                $"Mixup takes labels [{images.shape[0]}] of class indices (an integer type) to match the images; got {labels.dtype} [{string.Join(", ", labels.shape)}].",
                nameof(labels));
        }

        using var host = labels.to(ScalarType.Int64).cpu();
        var values = host.data<long>();
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] < 0 || values[i] >= NumClasses)
            {
                throw new ArgumentException(
                    $"Mixup labels must be in [0, NumClasses) = [0, {NumClasses}); got {values[i]} for sample {i}.", nameof(labels));
            }
        }
    }
}
