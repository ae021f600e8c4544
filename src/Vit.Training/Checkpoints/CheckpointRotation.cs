namespace Vit.Training;

/// <summary>
/// Fit's checkpoints in <see cref="TrainerOptions.CheckpointDirectory"/>: one every
/// <see cref="TrainerOptions.CheckpointEverySteps"/> updates, one at each epoch's end and one where a stop leaves off,
/// the last <see cref="TrainerOptions.KeepLastCheckpoints"/> kept, and <c>best.safetensors</c> copied from the
/// checkpoint whose evaluation beat every earlier one on <see cref="TrainerOptions.BestCheckpointMetric"/> (the best
/// value travels in the checkpoints' counters, so a resumed run keeps comparing against it). Rank 0 writes.
/// </summary>
internal sealed class CheckpointRotation
{
    private readonly Trainer _trainer;
    private readonly string _directory;

    private CheckpointRotation(Trainer trainer, string directory)
    {
        _trainer = trainer;
        _directory = directory;
    }

    /// <summary>Gets the path of the latest checkpoint this rotation wrote, or <see langword="null"/>.</summary>
    public string? LastPath { get; private set; }

    /// <summary>Gets best.safetensors when it exists (from this run or an earlier one in the folder), else <see langword="null"/>.</summary>
    public string? BestPath => Path.Combine(_directory, CheckpointFiles.BestFileName) is var path && File.Exists(path) ? path : null;

    /// <summary>Creates the folder (on rank 0) and the rotation, or returns <see langword="null"/> when the options name no folder.</summary>
    public static CheckpointRotation? Open(Trainer trainer)
    {
        if (trainer.Settings.CheckpointDirectory is not string directory)
        {
            return null;
        }

        trainer.RunOnRoot($"create the checkpoint folder '{directory}'", () => Directory.CreateDirectory(directory));
        return new CheckpointRotation(trainer, directory);
    }

    /// <summary>After an update: writes the checkpoint every <see cref="TrainerOptions.CheckpointEverySteps"/> updates.</summary>
    public void StepDone()
    {
        int every = _trainer.Settings.CheckpointEverySteps;
        if (every > 0 && _trainer.Step % every == 0)
        {
            Save(best: false);
        }
    }

    /// <summary>After a stop mid-epoch: writes where training is, unless that checkpoint was just written.</summary>
    public void Stopped()
    {
        if (LastPath != CheckpointFiles.PathFor(_directory, _trainer.Step))
        {
            Save(best: false);
        }
    }

    /// <summary>At an epoch's end: writes the checkpoint, and best.safetensors when <paramref name="evaluation"/> is a new best.</summary>
    public void EpochDone(EvaluationResult? evaluation) => Save(IsNewBest(evaluation));

    /// <summary>Updates the best value in the trainer's counters when <paramref name="evaluation"/> beats it; true if it did.</summary>
    private bool IsNewBest(EvaluationResult? evaluation)
    {
        var metric = _trainer.Settings.BestCheckpointMetric;
        if (evaluation is null || metric == CheckpointMetric.None)
        {
            return false;
        }

        double value = metric switch
        {
            CheckpointMetric.ValidationTop1 => evaluation.Top1Accuracy,
            CheckpointMetric.ValidationTop5 => evaluation.Top5Accuracy,
            _ => evaluation.Loss,
        };
        var counters = _trainer.Counters;
        bool better = counters.BestMetricValue is not double best
            || (metric == CheckpointMetric.ValidationLoss ? value < best : value > best);
        if (better)
        {
            counters.BestMetricValue = value;
        }

        return better;
    }

    /// <summary>Writes this step's checkpoint, drops the ones beyond the kept number and, when <paramref name="best"/>, copies it to best.safetensors.</summary>
    private void Save(bool best)
    {
        string path = CheckpointFiles.PathFor(_directory, _trainer.Step);
        _trainer.WriteCheckpoint(path, () =>
        {
            CheckpointFiles.KeepLast(_directory, _trainer.Settings.KeepLastCheckpoints);
            if (best)
            {
                CheckpointFiles.CopyAtomically(path, Path.Combine(_directory, CheckpointFiles.BestFileName));
                TrainerLog.BestCheckpoint(_trainer.Logger, _trainer.Settings.BestCheckpointMetric, _trainer.Counters.BestMetricValue!.Value, path);
            }
        });
        LastPath = path;
    }
}
