using Vit.Training;

namespace Vit.Samples.FashionMnist;

/// <summary>What <c>--resume</c> checks beyond the checkpoint itself: the run is unfinished, and the checkpoint fits its data.</summary>
internal static class ResumeChecks
{
    /// <summary>Throws when the run already wrote its outputs: resuming it would overwrite them.</summary>
    /// <exception cref="UsageException">The run folder holds a finished run's files.</exception>
    public static void ThrowIfFinished(RunFolder folder)
    {
        string? output = new[] { folder.Model, Path.Combine(folder.Path, "config.json"), folder.Onnx, folder.TrainingCurves, folder.ConfusionMatrix }.FirstOrDefault(File.Exists);
        if (output is not null)
        {
            throw new UsageException(
                $"--resume: the run in '{folder.Path}' has finished ('{Path.GetFileName(output)}' exists); resuming would overwrite its outputs. Start a new run with --out, or move its outputs away first.");
        }
    }

    /// <summary>Throws when the restored counters point past the run's data (a checkpoint of another run or data size).</summary>
    /// <exception cref="UsageException">The checkpoint's epoch or batch does not exist in this run.</exception>
    public static void ThrowIfBeyondTheData(Trainer trainer, int batchesPerEpoch, string checkpoint)
    {
        int epochs = trainer.Options.Epochs;
        if (trainer.BatchInEpoch > batchesPerEpoch || (trainer.Epoch == epochs && trainer.BatchInEpoch > 0))
        {
            throw new UsageException(
                $"--resume: '{checkpoint}' continues at batch {trainer.BatchInEpoch} of epoch {trainer.Epoch}, but the run's epochs have {batchesPerEpoch} batches and it trains {epochs}: it is not a checkpoint of this run's data.");
        }
    }
}
