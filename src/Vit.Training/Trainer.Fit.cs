using System.Diagnostics;
using System.Globalization;
using Vit.Data;

namespace Vit.Training;

public sealed partial class Trainer
{
    private double? _bestMetricValue;

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs over <paramref name="train"/>, one update per batch,
    /// continuing from <see cref="Epoch"/> / <see cref="BatchInEpoch"/> (0 for a new run, or where a loaded checkpoint
    /// left off). Evaluates on <paramref name="validation"/> every <see cref="TrainerOptions.EvaluateEveryEpochs"/>
    /// epochs and after the last, reports progress, appends metrics and writes checkpoints as the options say.
    /// </summary>
    /// <param name="train">The training batches; epoch k's order and augmentations depend only on its seed and k.</param>
    /// <param name="validation">Evaluation data, or <see langword="null"/>.</param>
    /// <param name="progress">Receives step and epoch reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between updates (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="ArgumentException">The loader's batches cannot be split into equal micro-batches.</exception>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <see cref="NonFiniteHandling.Throw"/>.</exception>
    public FitResult Fit(DataLoader train, DataLoader? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(train);
        CheckLoaderFitsAccumulation(train);
        int batchesPerEpoch = train.BatchesPerEpoch;
        Schedule ??= ResolveSchedule(train.BatchSize, batchesPerEpoch);
        string? directory = _options.CheckpointDirectory;
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var csv = _options.MetricsCsvPath is string csvPath ? new MetricsCsvWriter(csvPath) : null;
        var run = new RunClock(Step, checked(_options.Epochs * batchesPerEpoch));
        var epochLosses = new List<double>();
        EvaluationResult? lastEvaluation = null;
        string? lastCheckpoint = null;
        for (int epoch = Epoch; epoch < _options.Epochs; epoch++)
        {
            Epoch = epoch;
            var window = new Window(run.Elapsed);
            var whole = new Window(run.Elapsed);
            // Resuming mid-epoch: the loader starts at the first untrained batch, identical to a whole-epoch pass.
            int index = BatchInEpoch;
            foreach (var batch in train.Epoch(epoch, BatchInEpoch, cancellationToken))
            {
                index++;
                float loss = TrainStep(batch.Images, batch.Labels);
                BatchInEpoch = index;
                window.Add(loss, batch.Count);
                whole.Add(loss, batch.Count);
                if (Step % _options.LogEverySteps == 0)
                {
                    var report = StepReport(epoch, run, window);
                    TrainerLog.StepProgress(_logger, epoch + 1, _options.Epochs, Step, run.TotalSteps, report.Loss, report.LearningRate, report.GradientNorm, report.ImagesPerSecond, report.Elapsed, report.EstimatedRemaining);
                    csv?.WriteTrain(epoch, Step, report.Loss, report.LearningRate, report.GradientNorm, report.ImagesPerSecond, report.Elapsed);
                    progress?.Report(report);
                    window = new Window(run.Elapsed);
                }

                if (directory is not null && _options.CheckpointEverySteps > 0 && Step % _options.CheckpointEverySteps == 0)
                {
                    lastCheckpoint = SaveRotating(directory);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            Epoch = epoch + 1;
            BatchInEpoch = 0;
            epochLosses.Add(whole.MeanLoss);
            var elapsed = run.Elapsed;
            double imagesPerSecond = whole.ImagesPerSecond(elapsed);
            TrainerLog.EpochDone(_logger, epoch + 1, _options.Epochs, whole.MeanLoss, imagesPerSecond, elapsed);
            EvaluationResult? evaluation = null;
            bool due = _options.EvaluateEveryEpochs > 0 && (epoch + 1) % _options.EvaluateEveryEpochs == 0;
            if (validation is not null && (due || epoch + 1 == _options.Epochs))
            {
                evaluation = lastEvaluation = Evaluate(validation, cancellationToken);
                TrainerLog.Evaluated(_logger, epoch + 1, evaluation.Loss, evaluation.Top1Accuracy, evaluation.Top5Accuracy, evaluation.Count);
                csv?.WriteEvaluation(epoch, Step, evaluation, run.Elapsed);
            }

            progress?.Report(EpochReport(epoch, run, whole, evaluation));
            if (directory is not null)
            {
                bool best = IsNewBest(evaluation);
                lastCheckpoint = SaveRotating(directory);
                if (best)
                {
                    CheckpointFiles.CopyAtomically(lastCheckpoint, Path.Combine(directory, CheckpointFiles.BestFileName));
                    TrainerLog.BestCheckpoint(_logger, _options.BestCheckpointMetric, _bestMetricValue!.Value, lastCheckpoint);
                }
            }
        }

        string? bestPath = directory is null ? null : Path.Combine(directory, CheckpointFiles.BestFileName);
        return new FitResult
        {
            EpochLosses = epochLosses,
            Steps = Step,
            SkippedSteps = SkippedSteps,
            LastEvaluation = lastEvaluation,
            LastCheckpointPath = lastCheckpoint,
            BestCheckpointPath = bestPath is not null && File.Exists(bestPath) ? bestPath : null,
            Elapsed = run.Elapsed,
        };
    }

    private void CheckLoaderFitsAccumulation(DataLoader loader)
    {
        int k = _options.AccumulationSteps;
        int last = loader.Dataset.Count % loader.BatchSize;
        if (loader.BatchSize % k != 0 || (!loader.DropLast && last != 0 && last % k != 0))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The loader's batches ({loader.BatchSize} images, last batch {(loader.DropLast || last == 0 ? loader.BatchSize : last)}) cannot be split into AccumulationSteps ({k}) equal micro-batches; choose a BatchSize divisible by {k} and set DropLast = true."),
                nameof(loader));
        }
    }

    private string SaveRotating(string directory)
    {
        string path = CheckpointFiles.PathFor(directory, Step);
        WriteCheckpoint(path, _bestMetricValue);
        CheckpointFiles.KeepLast(directory, _options.KeepLastCheckpoints);
        return path;
    }

    /// <summary>Updates the best value when <paramref name="evaluation"/> beats it; true if it did.</summary>
    private bool IsNewBest(EvaluationResult? evaluation)
    {
        if (evaluation is null || _options.BestCheckpointMetric == CheckpointMetric.None)
        {
            return false;
        }

        var metric = _options.BestCheckpointMetric;
        double value = metric switch
        {
            CheckpointMetric.ValidationTop1 => evaluation.Top1Accuracy,
            CheckpointMetric.ValidationTop5 => evaluation.Top5Accuracy,
            _ => evaluation.Loss,
        };
        bool better = _bestMetricValue is not double best
            || (metric == CheckpointMetric.ValidationLoss ? value < best : value > best);
        if (better)
        {
            _bestMetricValue = value;
        }

        return better;
    }

    private TrainingProgress StepReport(int epoch, RunClock run, Window window) =>
        Report(TrainingProgressKind.Step, epoch, run, window, evaluation: null);

    private TrainingProgress EpochReport(int epoch, RunClock run, Window whole, EvaluationResult? evaluation) =>
        Report(TrainingProgressKind.Epoch, epoch, run, whole, evaluation);

    private TrainingProgress Report(TrainingProgressKind kind, int epoch, RunClock run, Window window, EvaluationResult? evaluation) => new()
    {
        Kind = kind,
        Epoch = epoch,
        Epochs = _options.Epochs,
        Step = Step,
        TotalSteps = run.TotalSteps,
        Loss = window.MeanLoss,
        LearningRate = LastLearningRate,
        GradientNorm = LastGradientNorm,
        ImagesPerSecond = window.ImagesPerSecond(run.Elapsed),
        Elapsed = run.Elapsed,
        EstimatedRemaining = run.Remaining(Step),
        SkippedSteps = SkippedSteps,
        Evaluation = evaluation,
    };

    /// <summary>Wall time of a Fit run and its ETA from this run's mean time per update.</summary>
    private sealed class RunClock(int startStep, int totalSteps)
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();

        public int TotalSteps { get; } = totalSteps;

        public TimeSpan Elapsed => _watch.Elapsed;

        public TimeSpan Remaining(int step) => step <= startStep
            ? TimeSpan.Zero
            : Elapsed / (step - startStep) * Math.Max(0, TotalSteps - step);
    }

    /// <summary>Loss and throughput over a stretch of updates (non-finite losses of skipped updates left out).</summary>
    private sealed class Window(TimeSpan start)
    {
        private double _lossSum;
        private int _losses;
        private long _images;

        public double MeanLoss => _losses == 0 ? double.NaN : _lossSum / _losses;

        public void Add(float loss, int images)
        {
            _images += images;
            if (float.IsFinite(loss))
            {
                _lossSum += loss;
                _losses++;
            }
        }

        public double ImagesPerSecond(TimeSpan now) => _images / Math.Max(1e-9, (now - start).TotalSeconds);
    }
}
