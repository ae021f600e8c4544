using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;

namespace Vit.Training;

/// <summary>
/// Writes the trainer's scalars to a TensorBoard event file through TorchSharp's own
/// <c>torch.utils.tensorboard.SummaryWriter</c>, at the update count as the global step: <c>train/loss</c>,
/// <c>train/learning_rate</c>, <c>train/gradient_norm</c> (and in fp16 <c>train/loss_scale</c>) after updates; <c>train/epoch_loss</c>, <c>eval/loss</c>,
/// <c>eval/top1</c>, <c>eval/top5</c> and, with an EMA, <c>eval_ema/loss</c>, <c>eval_ema/top1</c>,
/// <c>eval_ema/top5</c> after each <c>Fit</c> epoch. View them with <c>tensorboard --logdir DIR</c>.
/// </summary>
/// <remarks>
/// The writer appends each event to the file and flushes it, so a crash loses nothing already reported. The file is
/// created with the first event. In a data-parallel job only rank 0 writes (<see cref="Trainer.IsRoot"/>; the other
/// ranks' figures are the same), so every rank may add the callback.
/// </remarks>
public sealed class TensorBoardCallback : ITrainerCallback
{
    private readonly string _logDirectory;
    private SummaryWriter? _writer;

    /// <summary>Creates the callback and its event file in <paramref name="logDirectory"/> (created if missing).</summary>
    /// <param name="logDirectory">The folder of the run's event file.</param>
    /// <param name="logEverySteps">Writes the per-update scalars every this many updates.</param>
    /// <exception cref="ArgumentException"><paramref name="logDirectory"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="logEverySteps"/> is less than 1.</exception>
    public TensorBoardCallback(string logDirectory, int logEverySteps = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        if (logEverySteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(logEverySteps), logEverySteps, string.Create(CultureInfo.InvariantCulture, $"logEverySteps ({logEverySteps}) must be at least 1."));
        }

        LogEverySteps = logEverySteps;
        _logDirectory = Path.GetFullPath(logDirectory);
        Directory.CreateDirectory(_logDirectory);
    }

    /// <summary>Gets the folder the event file is in.</summary>
    public string LogDirectory => _logDirectory;

    /// <summary>Gets how often (in updates) the per-update scalars are written.</summary>
    public int LogEverySteps { get; }

    /// <inheritdoc />
    public void OnStepEnd(Trainer trainer, TrainingStepResult result)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Step % LogEverySteps != 0 || !trainer.IsRoot)
        {
            return;
        }

        var writer = Writer();
        writer.add_scalar("train/loss", result.Loss, result.Step);
        writer.add_scalar("train/learning_rate", (float)result.LearningRate, result.Step);
        writer.add_scalar("train/gradient_norm", (float)result.GradientNorm, result.Step);
        if (trainer.Options.Precision == torch.ScalarType.Float16)
        {
            // The scale this update used: overflows show as drops, growth as steps up.
            writer.add_scalar("train/loss_scale", (float)result.LossScale, result.Step);
        }
    }

    /// <inheritdoc />
    public void OnEpochEnd(Trainer trainer, TrainingProgress epoch)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(epoch);
        if (!trainer.IsRoot)
        {
            return;
        }

        Writer().add_scalar("train/epoch_loss", (float)epoch.Loss, epoch.Step);
        Write("eval", epoch.Evaluation, epoch.Step);
        Write("eval_ema", epoch.EmaEvaluation, epoch.Step);
    }

    private void Write(string prefix, EvaluationResult? evaluation, int step)
    {
        if (evaluation is null)
        {
            return;
        }

        var writer = Writer();
        writer.add_scalar(prefix + "/loss", (float)evaluation.Loss, step);
        writer.add_scalar(prefix + "/top1", (float)evaluation.Top1Accuracy, step);
        writer.add_scalar(prefix + "/top5", (float)evaluation.Top5Accuracy, step);
    }

    private SummaryWriter Writer() => _writer ??= torch.utils.tensorboard.SummaryWriter(_logDirectory);
}
