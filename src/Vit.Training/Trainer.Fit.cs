using System.Diagnostics;
using System.Globalization;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs over <paramref name="train"/>, one update per batch on its
    /// <see cref="Batch.Targets"/>, continuing from <see cref="Epoch"/> / <see cref="BatchInEpoch"/> (0 for a new run, or
    /// where a loaded checkpoint left off). Evaluates on <paramref name="validation"/>'s labels (and the EMA weights, when
    /// on) every <see cref="TrainerOptions.EvaluateEveryEpochs"/> epochs and after the last, reports progress, calls the
    /// <see cref="Callbacks"/>, appends metrics and writes checkpoints as the options say.
    /// </summary>
    /// <remarks>
    /// With a <see cref="ProcessGroup"/> every rank calls it with the same loaders (same dataset, batch size, seed; the
    /// ranks check): the loader's batch is the global batch and this rank trains on its contiguous share of each
    /// (<see cref="ShardedBatchSampler"/>), augmented exactly as in the whole batch; evaluation is sharded too and its
    /// counts summed. Only rank 0 writes the metrics CSV and the checkpoints.
    /// </remarks>
    /// <param name="train">The training batches; epoch k's order and augmentations depend only on its seed and k.</param>
    /// <param name="validation">Evaluation data, or <see langword="null"/>.</param>
    /// <param name="progress">Receives step and epoch reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between updates (throws <see cref="OperationCanceledException"/>; with a
    /// <see cref="ProcessGroup"/>, on every rank once any rank's token is cancelled).</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="ArgumentException">The loader's batches cannot be split into equal micro-batches (or, with a
    /// <see cref="ProcessGroup"/>, into equal shares per rank).</exception>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <see cref="NonFiniteHandling.Throw"/>.</exception>
    public FitResult Fit(BatchLoader train, BatchLoader? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(train);
        ThrowIfSmoothedTwice(train);
        Func<int, int, IEnumerable<(Tensor Images, Tensor Targets)>> epochBatches;
        if (_parallel is { } parallel)
        {
            parallel.Group.VerifyIdentical(
                "The training and validation loaders (samples, batch size, seed, shuffle, drop last, batches per epoch)",
                DescribeLoader("train", train) + (validation is null ? "validation none\n" : DescribeLoader("validation", validation)));
            ShardedBatchSampler? shard = null;
            // The same checks fail alike on every rank; any failure reaches every rank, so none waits for another.
            parallel.Group.RunOnEveryRank("check the training loader against the world size", () =>
            {
                shard = new ShardedBatchSampler(train, parallel.Rank, parallel.Size);
                CheckLoaderFitsAccumulation(train, parallel.Size);
            });
            epochBatches = (epoch, start) => shard!.Epoch(epoch, start, cancellationToken).Select(b => (b.Images, b.Targets));
        }
        else
        {
            CheckLoaderFitsAccumulation(train, worldSize: 1);
            epochBatches = (epoch, start) => train.Epoch(epoch, start, cancellationToken).Select(b => (b.Images, b.Targets));
        }

        Schedule ??= ResolveSchedule(train.BatchSize, train.BatchesPerEpoch);
        return FitEpochs(
            epochBatches,
            train.BatchesPerEpoch,
            validation is null ? null : LoaderLabels(validation, cancellationToken),
            progress,
            cancellationToken);
    }

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> passes over batches of your own, one update per batch (see
    /// <see cref="Fit(BatchLoader, BatchLoader?, IProgress{TrainingProgress}?, CancellationToken)"/> for the rest).
    /// </summary>
    /// <param name="train">Pairs of inputs and targets (class indices or probabilities; anything with B rows for a custom
    /// <see cref="Loss"/>), enumerated once per epoch. The caller owns the tensors. To resume mid-epoch exactly, it must
    /// yield the same batches in the same order every pass (the first <see cref="BatchInEpoch"/> are passed over). With
    /// a <see cref="ProcessGroup"/>: this rank's equal shares, as many batches on every rank, and
    /// <paramref name="validation"/> this rank's part of the evaluation data (the counts are summed).</param>
    /// <param name="validation">Evaluation batches (class indices or probabilities), or <see langword="null"/>.</param>
    /// <param name="progress">Receives step and epoch reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between updates (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="InvalidOperationException">The schedule needs the epoch length (<see cref="TrainerOptions.TotalSteps"/>
    /// 0 or <see cref="TrainerOptions.WarmupEpochs"/> set) and <paramref name="train"/> cannot say it without being enumerated.</exception>
    /// <exception cref="ArgumentException">A batch does not fit the model or options (checked before its update).</exception>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <see cref="NonFiniteHandling.Throw"/>.</exception>
    public FitResult Fit(IEnumerable<(Tensor Images, Tensor Targets)> train, IEnumerable<(Tensor Images, Tensor Targets)>? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(train);
        int? batchesPerEpoch = train.TryGetNonEnumeratedCount(out int count) ? count : null;
        bool needsLength = _options.WarmupEpochs > 0 || (_options.TotalSteps == 0 && _options.LearningRateDecay != LearningRateDecay.Constant);
        if (Schedule is null && batchesPerEpoch is null && needsLength)
        {
            throw new InvalidOperationException(
                "Fit over a sequence whose length is unknown until enumerated needs the schedule's length: set TrainerOptions.TotalSteps (and WarmupSteps rather than WarmupEpochs), or pass a collection (an array or List) of batches.");
        }

        _parallel?.Group.VerifyIdentical(
            "The training batches per epoch (Fit over batches of your own)",
            batchesPerEpoch?.ToString(CultureInfo.InvariantCulture) ?? "unknown");
        return FitEpochs((_, start) => start == 0 ? train : train.Skip(start), batchesPerEpoch, validation, progress, cancellationToken);
    }

    private FitResult FitEpochs(
        Func<int, int, IEnumerable<(Tensor Images, Tensor Targets)>> epochBatches,
        int? batchesPerEpoch,
        IEnumerable<(Tensor Images, Tensor Targets)>? validation,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        string? directory = _options.CheckpointDirectory;
        if (directory is not null)
        {
            RunOnRoot($"create the checkpoint folder '{directory}'", () => Directory.CreateDirectory(directory));
        }

        _stopRequested = false;
        // Rank 0 writes the metrics (the other ranks' figures are the same).
        using var csv = _options.MetricsCsvPath is string csvPath && IsRoot ? new MetricsCsvWriter(csvPath) : null;
        var run = new RunClock(Step, batchesPerEpoch is int n ? checked(_options.Epochs * n) : Schedule?.TotalSteps ?? _options.TotalSteps);
        var epochLosses = new List<double>();
        EvaluationResult? lastEvaluation = null;
        EvaluationResult? lastEmaEvaluation = null;
        string? lastCheckpoint = null;
        bool stopped = false;
        foreach (var callback in _callbacks.ToArray())
        {
            callback.OnFitStart(this);
        }

        for (int epoch = Epoch; epoch < _options.Epochs && !stopped; epoch++)
        {
            _counters.Epoch = epoch;
            var window = new Window(run.Elapsed);
            var whole = new Window(run.Elapsed);
            // Resuming mid-epoch: the batches start at the first untrained one, identical to a whole-epoch pass.
            int index = BatchInEpoch;
            foreach (var (images, targets) in epochBatches(epoch, BatchInEpoch))
            {
                index++;
                if (Schedule is null)
                {
                    // Batches of your own: the first one says the batch size the schedule may scale by.
                    ArgumentNullException.ThrowIfNull(images, nameof(images));
                    Schedule = ResolveSchedule(images.ndim > 0 ? Math.Max(1, (int)images.shape[0]) : 1, batchesPerEpoch);
                }

                float loss = TrainStep(images, targets);
                int batchSize = (int)images.shape[0] * WorldSize;
                AgreeOnStop(cancellationToken);
                _counters.BatchInEpoch = index;
                window.Add(loss, batchSize);
                whole.Add(loss, batchSize);
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

                if (_stopRequested)
                {
                    stopped = true;
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            if (stopped)
            {
                // Mid-epoch: keep where training is, so a later Fit (or a resume from the checkpoint) continues from here.
                TrainerLog.StoppedEarly(_logger, Step);
                if (directory is not null && lastCheckpoint != CheckpointFiles.PathFor(directory, Step))
                {
                    lastCheckpoint = SaveRotating(directory);
                }

                break;
            }

            _counters.Epoch = epoch + 1;
            _counters.BatchInEpoch = 0;
            ResynchronizeReplicas(epoch + 1);
            epochLosses.Add(whole.MeanLoss);
            var elapsed = run.Elapsed;
            double imagesPerSecond = whole.ImagesPerSecond(elapsed);
            TrainerLog.EpochDone(_logger, epoch + 1, _options.Epochs, whole.MeanLoss, imagesPerSecond, elapsed);
            EvaluationResult? evaluation = null;
            EvaluationResult? emaEvaluation = null;
            bool due = _options.EvaluateEveryEpochs > 0 && (epoch + 1) % _options.EvaluateEveryEpochs == 0;
            if (validation is not null && (due || epoch + 1 == _options.Epochs))
            {
                evaluation = lastEvaluation = Evaluate(validation, cancellationToken);
                TrainerLog.Evaluated(_logger, epoch + 1, evaluation.Loss, evaluation.Top1Accuracy, evaluation.Top5Accuracy, evaluation.Count);
                csv?.WriteEvaluation(MetricsCsvWriter.EvaluationKind, epoch, Step, evaluation, run.Elapsed);
                if (_ema is not null)
                {
                    emaEvaluation = lastEmaEvaluation = EvaluateEma(validation, cancellationToken);
                    TrainerLog.EmaEvaluated(_logger, epoch + 1, emaEvaluation.Loss, emaEvaluation.Top1Accuracy, emaEvaluation.Top5Accuracy, emaEvaluation.Count);
                    csv?.WriteEvaluation(MetricsCsvWriter.EmaEvaluationKind, epoch, Step, emaEvaluation, run.Elapsed);
                }
            }

            var epochReport = EpochReport(epoch, run, whole, evaluation, emaEvaluation);
            progress?.Report(epochReport);
            if (directory is not null)
            {
                bool best = IsNewBest(evaluation);
                lastCheckpoint = SaveRotating(directory, best);
            }

            foreach (var callback in _callbacks.ToArray())
            {
                callback.OnEpochEnd(this, epochReport);
            }

            AgreeOnStop(cancellationToken);
            if (_stopRequested && epoch + 1 < _options.Epochs)
            {
                TrainerLog.StoppedEarly(_logger, Step);
                stopped = true;
            }
        }

        string? bestPath = directory is null ? null : Path.Combine(directory, CheckpointFiles.BestFileName);
        var result = new FitResult
        {
            EpochLosses = epochLosses,
            Steps = Step,
            SkippedSteps = SkippedSteps,
            LastEvaluation = lastEvaluation,
            LastEmaEvaluation = lastEmaEvaluation,
            LastCheckpointPath = lastCheckpoint,
            BestCheckpointPath = bestPath is not null && File.Exists(bestPath) ? bestPath : null,
            StoppedEarly = stopped,
            Elapsed = run.Elapsed,
        };
        foreach (var callback in _callbacks.ToArray())
        {
            callback.OnFitEnd(this, result);
        }

        return result;
    }

    private void CheckLoaderFitsAccumulation(BatchLoader loader, int worldSize)
    {
        int k = _options.AccumulationSteps;
        int last = loader.Dataset.Count % loader.BatchSize;
        int lastBatch = loader.DropLast || last == 0 ? loader.BatchSize : last;
        if (worldSize == 1 && (loader.BatchSize % k != 0 || lastBatch % k != 0))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The loader's batches ({loader.BatchSize} images, last batch {lastBatch}) cannot be split into AccumulationSteps ({k}) equal micro-batches; choose a BatchSize divisible by {k} and set DropLast = true."),
                nameof(loader));
        }

        if (worldSize > 1 && ((loader.BatchSize / worldSize) % k != 0 || (lastBatch / worldSize) % k != 0))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Each of the {worldSize} ranks takes {loader.BatchSize / worldSize} images of every global batch of {loader.BatchSize} (last batch {lastBatch / worldSize}), which cannot be split into AccumulationSteps ({k}) equal micro-batches; choose a BatchSize divisible by {worldSize * k} and set DropLast = true."),
                nameof(loader));
        }
    }

    /// <summary>Writes the rotating checkpoint of this step (and, when <paramref name="best"/>, best.safetensors); rank 0 only.</summary>
    private string SaveRotating(string directory, bool best = false)
    {
        string path = CheckpointFiles.PathFor(directory, Step);
        WriteCheckpoint(path, () =>
        {
            CheckpointFiles.KeepLast(directory, _options.KeepLastCheckpoints);
            if (best)
            {
                CheckpointFiles.CopyAtomically(path, Path.Combine(directory, CheckpointFiles.BestFileName));
                TrainerLog.BestCheckpoint(_logger, _options.BestCheckpointMetric, _counters.BestMetricValue!.Value, path);
            }
        });
        return path;
    }
}
