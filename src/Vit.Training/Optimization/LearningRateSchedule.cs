using System.Globalization;

namespace Vit.Training;

/// <summary>
/// A learning rate per update: linear warmup from <see cref="WarmupInitialLearningRate"/> to
/// <see cref="BaseLearningRate"/> over <see cref="WarmupSteps"/> updates, then cosine or linear decay to
/// <see cref="MinLearningRate"/> at <see cref="TotalSteps"/> (held there afterwards), or constant.
/// </summary>
/// <remarks>
/// With <c>t</c> the 0-based index of the update about to be applied, <c>W</c> warmup and <c>T</c> total steps:
/// <c>t &lt; W: init + (base - init) * t / W</c>; cosine: <c>min + (base - min) * 0.5 * (1 + cos(pi * min(1, (t - W) / (T - W))))</c>;
/// linear: <c>min + (base - min) * (1 - min(1, (t - W) / (T - W)))</c>. Use it on your own loops:
/// <code>foreach (var g in optimizer.ParamGroups) g.LearningRate = schedule.GetLearningRate(t);</code>
/// </remarks>
public sealed class LearningRateSchedule
{
    /// <summary>Creates a schedule.</summary>
    /// <param name="baseLearningRate">The peak rate, reached at the end of the warmup.</param>
    /// <param name="warmupSteps">Updates of linear warmup (0 for none).</param>
    /// <param name="totalSteps">The update index where the decay reaches <paramref name="minLearningRate"/>;
    /// must exceed <paramref name="warmupSteps"/> unless <paramref name="decay"/> is constant.</param>
    /// <param name="warmupInitialLearningRate">The rate of update 0 when there is a warmup.</param>
    /// <param name="minLearningRate">The rate the decay ends at.</param>
    /// <param name="decay">The shape after the warmup.</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate is negative or not finite, or a step count is out of range.</exception>
    public LearningRateSchedule(
        double baseLearningRate,
        int warmupSteps,
        int totalSteps,
        double warmupInitialLearningRate = 0,
        double minLearningRate = 0,
        LearningRateDecay decay = LearningRateDecay.Cosine)
    {
        RequireRate(baseLearningRate, nameof(baseLearningRate));
        RequireRate(warmupInitialLearningRate, nameof(warmupInitialLearningRate));
        RequireRate(minLearningRate, nameof(minLearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        if (!Enum.IsDefined(decay))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "Expected Cosine, Linear or Constant.");
        }

        if (decay != LearningRateDecay.Constant && totalSteps <= warmupSteps)
        {
            throw new ArgumentOutOfRangeException(
                nameof(totalSteps),
                totalSteps,
                string.Create(CultureInfo.InvariantCulture, $"totalSteps ({totalSteps}) must be greater than warmupSteps ({warmupSteps}) for a {decay} decay."));
        }

        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        WarmupInitialLearningRate = warmupInitialLearningRate;
        MinLearningRate = minLearningRate;
        Decay = decay;
    }

    /// <summary>
    /// Builds the schedule a <see cref="Trainer"/> uses for <paramref name="options"/>: the peak rate scaled by
    /// <c>batchSize / LearningRateReferenceBatchSize</c> if asked, <see cref="TrainerOptions.WarmupEpochs"/> converted
    /// to <c>round(WarmupEpochs * stepsPerEpoch)</c> updates, and <see cref="TrainerOptions.TotalSteps"/> 0 taken as
    /// <c>Epochs * stepsPerEpoch</c>.
    /// </summary>
    /// <param name="options">The trainer options (assumed valid).</param>
    /// <param name="batchSize">Images per update (the logical batch), for the linear scaling rule.</param>
    /// <param name="stepsPerEpoch">Updates per epoch, or <see langword="null"/> when unknown (plain step loops).</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="InvalidOperationException">The options need the epoch length and it is unknown, or the
    /// derived total does not exceed the warmup.</exception>
    public static LearningRateSchedule FromOptions(TrainerOptions options, int batchSize, int? stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var o = options;
        double baseRate = o.ScaleLearningRateByBatchSize ? o.LearningRate * batchSize / o.LearningRateReferenceBatchSize : o.LearningRate;
        int warmup = o.WarmupSteps;
        if (o.WarmupEpochs > 0)
        {
            warmup = stepsPerEpoch is int spe
                ? (int)Math.Round(o.WarmupEpochs * spe, MidpointRounding.AwayFromZero)
                : throw new InvalidOperationException("TrainerOptions.WarmupEpochs needs the epoch length: use Fit, or set WarmupSteps for TrainStep loops.");
        }

        int total = o.TotalSteps;
        if (total == 0 && o.LearningRateDecay != LearningRateDecay.Constant)
        {
            total = stepsPerEpoch is int spe
                ? checked(o.Epochs * spe)
                : throw new InvalidOperationException("TrainerOptions.TotalSteps is 0: set it for TrainStep loops, or use Fit, which takes Epochs * BatchesPerEpoch.");
        }

        if (o.LearningRateDecay != LearningRateDecay.Constant && total <= warmup)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture, $"The schedule's TotalSteps ({total}) must be greater than its WarmupSteps ({warmup})."));
        }

        return new LearningRateSchedule(baseRate, warmup, total, o.WarmupInitialLearningRate, o.MinLearningRate, o.LearningRateDecay);
    }

    /// <summary>Gets the peak learning rate.</summary>
    public double BaseLearningRate { get; }

    /// <summary>Gets the number of warmup updates.</summary>
    public int WarmupSteps { get; }

    /// <summary>Gets the update index at which the decay ends.</summary>
    public int TotalSteps { get; }

    /// <summary>Gets the learning rate of update 0 when there is a warmup.</summary>
    public double WarmupInitialLearningRate { get; }

    /// <summary>Gets the learning rate the decay ends at.</summary>
    public double MinLearningRate { get; }

    /// <summary>Gets the shape after the warmup.</summary>
    public LearningRateDecay Decay { get; }

    /// <summary>Returns the learning rate for the update with 0-based index <paramref name="step"/>.</summary>
    /// <param name="step">The number of updates applied before this one.</param>
    /// <returns>The learning rate to set before that update.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public double GetLearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var t = (double)step;
        if (step < WarmupSteps)
        {
            // Same operation order as the PyTorch reference, so the doubles agree to the last bit.
            return WarmupInitialLearningRate + ((BaseLearningRate - WarmupInitialLearningRate) * t / WarmupSteps);
        }

        if (Decay == LearningRateDecay.Constant)
        {
            return BaseLearningRate;
        }

        var progress = Math.Min(1.0, (t - WarmupSteps) / (TotalSteps - WarmupSteps));
        var shape = Decay == LearningRateDecay.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return MinLearningRate + ((BaseLearningRate - MinLearningRate) * shape);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Decay} schedule: {WarmupInitialLearningRate} -> {BaseLearningRate} over {WarmupSteps} warmup steps, then to {MinLearningRate} at step {TotalSteps}");

    private static void RequireRate(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "Expected a finite learning rate >= 0.");
        }
    }
}
