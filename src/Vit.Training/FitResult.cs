namespace Vit.Training;

/// <summary>What a <c>Trainer.Fit</c> run did.</summary>
public sealed class FitResult
{
    /// <summary>Gets the mean training loss of each epoch this run trained (resumed epochs count from their resume point).</summary>
    public required IReadOnlyList<double> EpochLosses { get; init; }

    /// <summary>Gets the number of updates done when the run ended (including those of earlier runs resumed from).</summary>
    public required int Steps { get; init; }

    /// <summary>Gets the number of updates skipped for non-finite values.</summary>
    public int SkippedSteps { get; init; }

    /// <summary>Gets the last evaluation, if any.</summary>
    public EvaluationResult? LastEvaluation { get; init; }

    /// <summary>Gets the last evaluation of the EMA weights, if the EMA is on and an epoch was evaluated.</summary>
    public EvaluationResult? LastEmaEvaluation { get; init; }

    /// <summary>Gets whether the run ended before its last epoch because of <see cref="Trainer.RequestStop"/>.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Gets the path of the last checkpoint written, if any.</summary>
    public string? LastCheckpointPath { get; init; }

    /// <summary>Gets the path of the best checkpoint, if one is kept.</summary>
    public string? BestCheckpointPath { get; init; }

    /// <summary>Gets the run's wall time.</summary>
    public TimeSpan Elapsed { get; init; }
}
