using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// One <c>Fit</c> run: the epochs from where the trainer stands, each a pass of updates then (when due) the
/// evaluations, the epoch's checkpoint and the callbacks; the stop request, agreed across ranks, ends it early. The
/// figures go to <see cref="FitReports"/>, the checkpoints to <see cref="CheckpointRotation"/>.
/// </summary>
internal sealed class FitLoop
{
    private readonly Trainer _trainer;
    private readonly TrainerOptions _options;
    private readonly StopRequest _stop;
    private readonly CancellationToken _cancellationToken;

    /// <param name="trainer">The trainer whose updates, evaluations, counters and callbacks the loop drives.</param>
    /// <param name="cancellationToken">Stops between updates (on every rank once any rank's token is cancelled).</param>
    public FitLoop(Trainer trainer, CancellationToken cancellationToken)
    {
        _trainer = trainer;
        _options = trainer.Settings;
        _stop = trainer.Stop;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Runs the epochs from <see cref="Trainer.Epoch"/> / <see cref="Trainer.BatchInEpoch"/> to <see cref="TrainerOptions.Epochs"/>.</summary>
    /// <param name="epochBatches">Epoch k's batches from batch s on: (k, s) =&gt; batches.</param>
    /// <param name="batchesPerEpoch">The epoch length, when known before enumerating.</param>
    /// <param name="validation">Evaluation batches, or <see langword="null"/>.</param>
    /// <param name="progress">Receives step and epoch reports, or <see langword="null"/>.</param>
    public FitResult Run(
        Func<int, int, IEnumerable<(Tensor Images, Tensor Targets)>> epochBatches,
        int? batchesPerEpoch,
        IEnumerable<(Tensor Images, Tensor Targets)>? validation,
        IProgress<TrainingProgress>? progress)
    {
        var checkpoints = CheckpointRotation.Open(_trainer);
        _stop.Reset();
        int totalSteps = batchesPerEpoch is int n ? checked(_options.Epochs * n) : _trainer.Schedule?.TotalSteps ?? _options.TotalSteps;
        using var reports = new FitReports(_trainer, totalSteps, progress);
        var epochLosses = new List<double>();
        EvaluationResult? lastEvaluation = null;
        EvaluationResult? lastEmaEvaluation = null;
        bool stopped = false;
        _trainer.CallbackList.FitStart(_trainer);
        for (int epoch = _trainer.Epoch; epoch < _options.Epochs && !stopped; epoch++)
        {
            if (!TrainEpoch(epoch, epochBatches(epoch, _trainer.BatchInEpoch), batchesPerEpoch, reports, checkpoints))
            {
                // Mid-epoch: the counters keep where training is, so a later Fit (or a resume from the checkpoint) continues from here.
                TrainerLog.StoppedEarly(_trainer.Logger, _trainer.Step);
                checkpoints?.Stopped();
                stopped = true;
                break;
            }

            epochLosses.Add(reports.EpochDone(epoch));
            var (evaluation, emaEvaluation) = EvaluateIfDue(epoch, validation, reports);
            lastEvaluation = evaluation ?? lastEvaluation;
            lastEmaEvaluation = emaEvaluation ?? lastEmaEvaluation;
            var epochReport = reports.EpochReported(epoch, evaluation, emaEvaluation);
            checkpoints?.EpochDone(evaluation);
            _trainer.CallbackList.EpochEnd(_trainer, epochReport);
            _stop.Agree(_trainer.Parallel, _cancellationToken);
            if (_stop.Requested && epoch + 1 < _options.Epochs)
            {
                TrainerLog.StoppedEarly(_trainer.Logger, _trainer.Step);
                stopped = true;
            }
        }

        var result = new FitResult
        {
            EpochLosses = epochLosses,
            Steps = _trainer.Step,
            SkippedSteps = _trainer.SkippedSteps,
            LastEvaluation = lastEvaluation,
            LastEmaEvaluation = lastEmaEvaluation,
            LastCheckpointPath = checkpoints?.LastPath,
            BestCheckpointPath = checkpoints?.BestPath,
            StoppedEarly = stopped,
            Elapsed = reports.Elapsed,
        };
        _trainer.CallbackList.FitEnd(_trainer, result);
        return result;
    }

    /// <summary>Trains on the epoch's batches; false when a stop request ended it early (the counters then say where).</summary>
    private bool TrainEpoch(int epoch, IEnumerable<(Tensor Images, Tensor Targets)> batches, int? batchesPerEpoch, FitReports reports, CheckpointRotation? checkpoints)
    {
        var counters = _trainer.Counters;
        counters.Epoch = epoch;
        reports.EpochStarted();
        // Resuming mid-epoch: the batches start at the first untrained one, identical to a whole-epoch pass.
        int index = counters.BatchInEpoch;
        foreach (var (images, targets) in batches)
        {
            index++;
            if (_trainer.Schedule is null)
            {
                // Batches of your own: the first one says the batch size the schedule may scale by.
                ArgumentNullException.ThrowIfNull(images, nameof(images));
                _trainer.FixSchedule(images.ndim > 0 ? Math.Max(1, (int)images.shape[0]) : 1, batchesPerEpoch);
            }

            float loss = _trainer.TrainStep(images, targets);
            int batchSize = (int)images.shape[0] * _trainer.WorldSize;
            _stop.Agree(_trainer.Parallel, _cancellationToken);
            counters.BatchInEpoch = index;
            reports.StepDone(epoch, loss, batchSize);
            checkpoints?.StepDone();
            if (_stop.Requested)
            {
                return false;
            }

            _cancellationToken.ThrowIfCancellationRequested();
        }

        counters.Epoch = epoch + 1;
        counters.BatchInEpoch = 0;
        _trainer.ResynchronizeReplicas(epoch + 1);
        return true;
    }

    /// <summary>Evaluates the trained (and EMA) weights every <see cref="TrainerOptions.EvaluateEveryEpochs"/> epochs and after the last.</summary>
    private (EvaluationResult? Evaluation, EvaluationResult? EmaEvaluation) EvaluateIfDue(int epoch, IEnumerable<(Tensor Images, Tensor Targets)>? validation, FitReports reports)
    {
        bool due = _options.EvaluateEveryEpochs > 0 && (epoch + 1) % _options.EvaluateEveryEpochs == 0;
        if (validation is null || !(due || epoch + 1 == _options.Epochs))
        {
            return (null, null);
        }

        var evaluation = _trainer.Evaluate(validation, _cancellationToken);
        reports.Evaluated(epoch, evaluation, ema: false);
        if (_trainer.Ema is null)
        {
            return (evaluation, null);
        }

        var emaEvaluation = _trainer.EvaluateEma(validation, _cancellationToken);
        reports.Evaluated(epoch, emaEvaluation, ema: true);
        return (evaluation, emaEvaluation);
    }
}
