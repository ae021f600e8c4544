namespace Vit.Training;

/// <summary>A progress report from <c>Trainer.Fit</c>, sent through <see cref="IProgress{T}"/>.</summary>
public sealed class TrainingProgress
{
    /// <summary>Gets whether this reports steps or a finished epoch.</summary>
    public TrainingProgressKind Kind { get; init; }

    /// <summary>Gets the 0-based epoch the report belongs to.</summary>
    public int Epoch { get; init; }

    /// <summary>Gets the number of epochs of the run.</summary>
    public int Epochs { get; init; }

    /// <summary>Gets the number of updates done so far (skipped ones included).</summary>
    public int Step { get; init; }

    /// <summary>Gets the number of updates the run will make.</summary>
    public int TotalSteps { get; init; }

    /// <summary>Gets the mean training loss since the previous step report (step) or over the epoch (epoch).</summary>
    public double Loss { get; init; }

    /// <summary>Gets the learning rate of the latest update.</summary>
    public double LearningRate { get; init; }

    /// <summary>Gets the global gradient L2 norm (before clipping) of the latest update.</summary>
    public double GradientNorm { get; init; }

    /// <summary>Gets the training throughput since the previous report of the same kind.</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>Gets the wall time since <c>Trainer.Fit</c> started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the estimated time to the end of the run, from this run's mean time per update.</summary>
    public TimeSpan EstimatedRemaining { get; init; }

    /// <summary>Gets the number of updates skipped for non-finite values so far.</summary>
    public int SkippedSteps { get; init; }

    /// <summary>Gets the epoch's evaluation, when this is an epoch report and the epoch was evaluated.</summary>
    public EvaluationResult? Evaluation { get; init; }

    /// <summary>Gets the epoch's evaluation of the EMA weights, when this is an epoch report, the epoch was evaluated and the EMA is on.</summary>
    public EvaluationResult? EmaEvaluation { get; init; }
}
