namespace Vit.Training;

/// <summary>What the trainer does when a step's loss or gradient norm is NaN or infinite.</summary>
public enum NonFiniteHandling
{
    /// <summary>
    /// Throw <see cref="TrainingDivergedException"/> naming the step, before the optimizer touches the weights (the
    /// buffers the step's forward moved, such as BatchNorm's running statistics, are put back).
    /// </summary>
    Throw = 0,

    /// <summary>
    /// Drop that update (weights, AdamW moments, the EMA and the buffers the forward moved, such as BatchNorm's running
    /// statistics and batch count, stay as they were), log a warning and go on. The schedule still
    /// advances, as PyTorch's GradScaler does when it skips an overflowing step.
    /// </summary>
    SkipUpdate = 1,
}
