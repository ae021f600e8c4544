namespace Vit.Training;

/// <summary>
/// Hooks into training: after every update (<see cref="Trainer.TrainStep"/>, in <see cref="Trainer.Fit(Vit.Data.BatchLoader, Vit.Data.BatchLoader?, IProgress{TrainingProgress}?, CancellationToken)"/>
/// or in your own loop) and around <c>Fit</c>'s epochs. Add callbacks to <see cref="Trainer.Callbacks"/>; implement only
/// the methods you need (the others do nothing).
/// </summary>
/// <remarks>
/// Callbacks run on the training thread, in the order added; an exception from one stops training and reaches the
/// caller. To stop <c>Fit</c> early, call <see cref="Trainer.RequestStop"/> (it ends after the current update).
/// <see cref="TensorBoardCallback"/> is one implementation.
/// </remarks>
public interface ITrainerCallback
{
    /// <summary>Called when <c>Fit</c> starts, before its first update.</summary>
    /// <param name="trainer">The trainer.</param>
    void OnFitStart(Trainer trainer)
    {
    }

    /// <summary>Called after every update, applied or skipped.</summary>
    /// <param name="trainer">The trainer (its <see cref="Trainer.Step"/> already counts this update).</param>
    /// <param name="result">What the update did.</param>
    void OnStepEnd(Trainer trainer, TrainingStepResult result)
    {
    }

    /// <summary>Called at the end of each <c>Fit</c> epoch, after its evaluation and checkpoint.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="epoch">The epoch report (its evaluations when the epoch was evaluated).</param>
    void OnEpochEnd(Trainer trainer, TrainingProgress epoch)
    {
    }

    /// <summary>Called when <c>Fit</c> returns normally (also after <see cref="Trainer.RequestStop"/>).</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="result">What the run did.</param>
    void OnFitEnd(Trainer trainer, FitResult result)
    {
    }
}
