namespace Vit.Training;

/// <summary>Where training is: the update and epoch counters, the latest rate and norm, the best metric so far.</summary>
internal sealed class TrainingCounters
{
    /// <summary>Gets or sets the number of updates done (skipped ones included): the 0-based index of the next update.</summary>
    public int Step { get; set; }

    public int SkippedSteps { get; set; }

    public int Epoch { get; set; }

    public int BatchInEpoch { get; set; }

    public double LastLearningRate { get; set; } = double.NaN;

    public double LastGradientNorm { get; set; } = double.NaN;

    public double? BestMetricValue { get; set; }

    /// <summary>Copies the counters into a checkpoint's state.</summary>
    public void WriteTo(CheckpointState state)
    {
        state.Step = Step;
        state.SkippedSteps = SkippedSteps;
        state.Epoch = Epoch;
        state.BatchInEpoch = BatchInEpoch;
        state.LastLearningRate = LastLearningRate;
        state.LastGradientNorm = LastGradientNorm;
        state.BestMetricValue = BestMetricValue;
    }

    /// <summary>Takes the counters from a checkpoint's state.</summary>
    public void ReadFrom(CheckpointState state)
    {
        Step = state.Step;
        SkippedSteps = state.SkippedSteps;
        Epoch = state.Epoch;
        BatchInEpoch = state.BatchInEpoch;
        LastLearningRate = state.LastLearningRate;
        LastGradientNorm = state.LastGradientNorm;
        BestMetricValue = state.BestMetricValue;
    }
}
