namespace Vit.Training;

/// <summary>What one optimizer update did, as <see cref="ITrainerCallback.OnStepEnd"/> receives it.</summary>
public sealed class TrainingStepResult
{
    /// <summary>Gets the number of updates done, this one included (the value of <see cref="Trainer.Step"/> after it).</summary>
    public int Step { get; init; }

    /// <summary>Gets the 0-based epoch (<see cref="Trainer.Epoch"/>; 0 in loops that do not set it).</summary>
    public int Epoch { get; init; }

    /// <summary>Gets the number of samples of the logical batch.</summary>
    public int BatchSize { get; init; }

    /// <summary>Gets the batch's mean loss (NaN or infinite when the update was skipped for that reason).</summary>
    public float Loss { get; init; }

    /// <summary>Gets the scheduled learning rate of the update (before any layer-decay scale).</summary>
    public double LearningRate { get; init; }

    /// <summary>Gets the global gradient L2 norm before clipping.</summary>
    public double GradientNorm { get; init; }

    /// <summary>Gets whether the update was skipped (<see cref="NonFiniteHandling.SkipUpdate"/>, or an fp16 overflow: <see cref="Overflowed"/>).</summary>
    public bool Skipped { get; init; }

    /// <summary>Gets whether the fp16 gradients overflowed at <see cref="LossScale"/>, so the update was skipped and the scale halved.</summary>
    public bool Overflowed { get; init; }

    /// <summary>Gets the loss scale this update's backward used (1 unless <see cref="TrainerOptions.Precision"/> is Float16).</summary>
    public double LossScale { get; init; } = 1;
}
