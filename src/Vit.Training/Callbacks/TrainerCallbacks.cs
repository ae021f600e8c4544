using System.Collections.ObjectModel;

namespace Vit.Training;

/// <summary>
/// The trainer's callbacks, called in the order added; each call walks a snapshot, so a callback may add or remove
/// callbacks (itself included) without disturbing the call in progress.
/// </summary>
internal sealed class TrainerCallbacks : Collection<ITrainerCallback>
{
    public void FitStart(Trainer trainer)
    {
        foreach (var callback in this.ToArray())
        {
            callback.OnFitStart(trainer);
        }
    }

    public void StepEnd(Trainer trainer, TrainingStepResult result)
    {
        foreach (var callback in this.ToArray())
        {
            callback.OnStepEnd(trainer, result);
        }
    }

    public void EpochEnd(Trainer trainer, TrainingProgress epoch)
    {
        foreach (var callback in this.ToArray())
        {
            callback.OnEpochEnd(trainer, epoch);
        }
    }

    public void FitEnd(Trainer trainer, FitResult result)
    {
        foreach (var callback in this.ToArray())
        {
            callback.OnFitEnd(trainer, result);
        }
    }
}
