namespace Vit.Training;

/// <summary>
/// Where training is: the update and epoch counters, the latest rate and norm, the best metric so far. A checkpoint's
/// <see cref="CheckpointState"/> is these counters plus what else it stores, so they are saved and restored as one.
/// </summary>
internal class TrainingCounters
{
    /// <summary>Gets or sets the number of updates done (skipped ones included): the 0-based index of the next update.</summary>
    public int Step { get; set; }

    public int SkippedSteps { get; set; }

    public int Epoch { get; set; }

    public int BatchInEpoch { get; set; }

    public double LastLearningRate { get; set; } = double.NaN;

    public double LastGradientNorm { get; set; } = double.NaN;

    public double? BestMetricValue { get; set; }

    /// <summary>Takes every counter of <paramref name="other"/> (a checkpoint's when loading; the trainer's when saving).</summary>
    public void CopyFrom(TrainingCounters other)
    {
        Step = other.Step;
        SkippedSteps = other.SkippedSteps;
        Epoch = other.Epoch;
        BatchInEpoch = other.BatchInEpoch;
        LastLearningRate = other.LastLearningRate;
        LastGradientNorm = other.LastGradientNorm;
        BestMetricValue = other.BestMetricValue;
    }
}
