using Microsoft.Extensions.Logging;

namespace Vit.Training;

/// <summary>
/// Where a Fit run's figures go: the log, the metrics CSV (rank 0 only) and the progress reports, per step window and
/// per epoch, all timed by the run's one clock.
/// </summary>
internal sealed class FitReports : IDisposable
{
    private readonly Trainer _trainer;
    private readonly TrainerOptions _options;
    private readonly ILogger _logger;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly MetricsCsvWriter? _csv;
    private readonly RunClock _clock;
    private LossWindow _window;
    private LossWindow _epoch;

    /// <summary>Starts the clock and opens the CSV (appending to a resumed run's).</summary>
    /// <param name="trainer">The trainer whose counters the reports carry.</param>
    /// <param name="totalSteps">The run's length in updates, for the ETA.</param>
    /// <param name="progress">Receives the reports, or <see langword="null"/>.</param>
    public FitReports(Trainer trainer, int totalSteps, IProgress<TrainingProgress>? progress)
    {
        _trainer = trainer;
        _options = trainer.Settings;
        _logger = trainer.Logger;
        _progress = progress;
        // Rank 0 writes the metrics (the other ranks' figures are the same).
        _csv = _options.MetricsCsvPath is string path && trainer.IsRoot ? new MetricsCsvWriter(path) : null;
        _clock = new RunClock(trainer.Step, totalSteps);
        _window = new LossWindow(_clock.Elapsed);
        _epoch = _window;
    }

    /// <summary>Gets the time since the run started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public void EpochStarted()
    {
        _window = new LossWindow(_clock.Elapsed);
        _epoch = new LossWindow(_clock.Elapsed);
    }

    /// <summary>Counts an update of <paramref name="images"/> images; every <see cref="TrainerOptions.LogEverySteps"/> updates, reports the window since the last report.</summary>
    public void StepDone(int epoch, float loss, int images)
    {
        _window.Add(loss, images);
        _epoch.Add(loss, images);
        if (_trainer.Step % _options.LogEverySteps != 0)
        {
            return;
        }

        var report = Report(TrainingProgressKind.Step, epoch, _window, evaluation: null, emaEvaluation: null);
        TrainerLog.StepProgress(_logger, epoch + 1, _options.Epochs, report.Step, report.TotalSteps, report.Loss, report.LearningRate, report.GradientNorm, report.ImagesPerSecond, report.Elapsed, report.EstimatedRemaining);
        _csv?.WriteTrain(epoch, report.Step, report.Loss, report.LearningRate, report.GradientNorm, report.ImagesPerSecond, report.Elapsed);
        _progress?.Report(report);
        _window = new LossWindow(_clock.Elapsed);
    }

    /// <summary>Logs the epoch's mean loss and throughput, and returns the mean loss.</summary>
    public double EpochDone(int epoch)
    {
        var elapsed = _clock.Elapsed;
        double imagesPerSecond = _epoch.ImagesPerSecond(elapsed);
        TrainerLog.EpochDone(_logger, epoch + 1, _options.Epochs, _epoch.MeanLoss, imagesPerSecond, elapsed);
        return _epoch.MeanLoss;
    }

    /// <summary>Logs and writes an evaluation of the trained weights (or, with <paramref name="ema"/>, of the EMA weights).</summary>
    public void Evaluated(int epoch, EvaluationResult evaluation, bool ema)
    {
        if (ema)
        {
            TrainerLog.EmaEvaluated(_logger, epoch + 1, evaluation.Loss, evaluation.Top1Accuracy, evaluation.Top5Accuracy, evaluation.Count);
        }
        else
        {
            TrainerLog.Evaluated(_logger, epoch + 1, evaluation.Loss, evaluation.Top1Accuracy, evaluation.Top5Accuracy, evaluation.Count);
        }

        _csv?.WriteEvaluation(ema ? MetricsCsvWriter.EmaEvaluationKind : MetricsCsvWriter.EvaluationKind, epoch, _trainer.Step, evaluation, _clock.Elapsed);
    }

    /// <summary>Sends the epoch's report (over the whole epoch) and returns it for the callbacks.</summary>
    public TrainingProgress EpochReported(int epoch, EvaluationResult? evaluation, EvaluationResult? emaEvaluation)
    {
        var report = Report(TrainingProgressKind.Epoch, epoch, _epoch, evaluation, emaEvaluation);
        _progress?.Report(report);
        return report;
    }

    public void Dispose() => _csv?.Dispose();

    private TrainingProgress Report(TrainingProgressKind kind, int epoch, LossWindow window, EvaluationResult? evaluation, EvaluationResult? emaEvaluation) => new()
    {
        Kind = kind,
        Epoch = epoch,
        Epochs = _options.Epochs,
        Step = _trainer.Step,
        TotalSteps = _clock.TotalSteps,
        Loss = window.MeanLoss,
        LearningRate = _trainer.LastLearningRate,
        GradientNorm = _trainer.LastGradientNorm,
        ImagesPerSecond = window.ImagesPerSecond(_clock.Elapsed),
        Elapsed = _clock.Elapsed,
        EstimatedRemaining = _clock.Remaining(_trainer.Step),
        SkippedSteps = _trainer.SkippedSteps,
        Evaluation = evaluation,
        EmaEvaluation = emaEvaluation,
    };
}
