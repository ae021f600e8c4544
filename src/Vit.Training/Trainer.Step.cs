using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>One optimizer update: the checked batch, its gradients (in the options' precision), the all-reduce, unscaling, clipping, AdamW and the EMA.</summary>
public sealed partial class Trainer
{
    private bool _warnedSmoothedTwice;

    /// <summary>
    /// Performs exactly one optimizer update on one logical batch: <see cref="TrainerOptions.AccumulationSteps"/>
    /// equal micro-batches, the mean loss averaged over them, global-norm clipping, the schedule's learning rate for
    /// update <see cref="Step"/> (times each parameter's layer-decay scale), AdamW, then the EMA. With a
    /// <see cref="ProcessGroup"/>, every rank calls it at once with its equal share of the global batch, the
    /// gradients are averaged across the ranks first, and every rank then takes rank 0's buffers (BatchNorm's running
    /// statistics, which each rank's forward moved with its own share), whether the update is applied or skipped.
    /// </summary>
    /// <param name="images">The model's input batch (for a ViT float [B, C, H, W]); on any device (moved to the model's).
    /// With a <see cref="ProcessGroup"/>: this rank's share, as many images on every rank.</param>
    /// <param name="targets">Class indices (int64 [B], in [0, K)) or class probabilities (floating [B, K], soft targets
    /// as Mixup/CutMix make); with a custom <see cref="Loss"/>, anything with B rows.</param>
    /// <returns>The batch's mean loss, unscaled, over the global batch with a <see cref="ProcessGroup"/> (NaN or infinite
    /// when the update was skipped for that reason).</returns>
    /// <remarks>In fp16 (<see cref="TrainerOptions.Precision"/>) an update whose scaled gradients overflow is skipped as
    /// PyTorch's <c>GradScaler</c> skips it, whatever <see cref="TrainerOptions.NonFiniteHandling"/> says: weights,
    /// moments, the EMA and AdamW's step counts stay as they were, <see cref="LossScale"/> halves, and the schedule moves
    /// on (<see cref="Step"/> counts it). With a <see cref="ProcessGroup"/> the overflow check reads the all-reduced
    /// gradients, so an overflow on any rank skips the update on every rank.</remarks>
    /// <exception cref="ArgumentException">The batch does not fit the model or options (checked before any update).</exception>
    /// <exception cref="InvalidOperationException">The model's parameters were replaced after the trainer was created.</exception>
    /// <exception cref="TrainingDivergedException">The loss or gradients are not finite and the options say to stop.</exception>
    public float TrainStep(Tensor images, Tensor targets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _trained.ThrowIfReplaced();
        var batch = _checks.Check(images, targets, _options.AccumulationSteps, classification: Loss is null);
        WarnOnceIfSmoothedTwice(batch.Kind);
        var schedule = Schedule ??= ResolveSchedule(batch.Count * WorldSize, stepsPerEpoch: null);
        int t = _counters.Step;
        double learningRate = schedule.GetLearningRate(t);
        _generator.ApplyPending();

        float loss;
        float norm;
        bool overflowed;
        bool diverged;
        float lossScale = _scaler.Scale;
        using (NewDisposeScope())
        {
            // A dropped update leaves the model as it was, the buffers its forward moved (BatchNorm statistics; NaN
            // ones for a NaN batch) included: they are put back when a check throws or the update diverged.
            var buffers = BufferState.Save(Model);
            try
            {
                (loss, norm) = ComputeAveragedGradients(images, targets, batch);
            }
            catch
            {
                buffers.Restore();
                throw;
            }

            // A non-finite norm is an overflow for loss scaling (as GradScaler's found_inf, it looks at the gradients
            // only, and the forward's statistics stand as with PyTorch) and divergence otherwise; a non-finite loss is
            // divergence either way.
            overflowed = _scaler.Enabled && !float.IsFinite(norm);
            diverged = !float.IsFinite(loss) || (!_scaler.Enabled && !float.IsFinite(norm));
            if (diverged)
            {
                buffers.Restore();
            }

            // The forward moved each rank's buffers with its own share, whether the update is applied or skipped:
            // every rank takes rank 0's before the EMA reads them, so no state ever differs between the ranks.
            _parallel?.BroadcastBuffers(Model);
            if (!overflowed && !diverged)
            {
                _flat.Step(learningRate);
                _ema?.Update(t + 1);
            }
        }

        if (diverged && _options.NonFiniteHandling == NonFiniteHandling.Throw)
        {
            TrainerLog.NonFiniteStop(_logger, t, loss, norm);
            throw new TrainingDivergedException(t, loss, norm);
        }

        _scaler.Update(foundNonFinite: overflowed);
        if (diverged)
        {
            TrainerLog.NonFiniteSkip(_logger, t, loss, norm);
            _counters.SkippedSteps++;
        }
        else if (overflowed)
        {
            TrainerLog.LossScaleOverflow(_logger, t, lossScale, _scaler.Scale);
        }

        bool skipped = diverged || overflowed;

        _counters.Step = t + 1;
        _counters.LastLearningRate = learningRate;
        _counters.LastGradientNorm = norm;
        if (_callbacks.Count > 0)
        {
            _callbacks.StepEnd(this, new TrainingStepResult
            {
                Step = t + 1,
                Epoch = _counters.Epoch,
                BatchSize = batch.Count * WorldSize,
                Loss = loss,
                LearningRate = learningRate,
                GradientNorm = norm,
                Skipped = skipped,
                Overflowed = overflowed,
                LossScale = lossScale,
            });
        }

        return loss;
    }

    /// <summary>
    /// The gradients of one logical batch in the flat buffer (all-reduced across the ranks, unscaled, clipped), with
    /// the one wait for the device per update; returns the mean loss and the gradient norm.
    /// </summary>
    private (float Loss, float Norm) ComputeAveragedGradients(Tensor images, Tensor targets, CheckedBatch batch)
    {
        var (lossTotal, deviceLabelRange, classes) = _gradients.Run(images, targets, batch, Loss);
        Tensor? meanCount = null;
        if (_parallel is not null)
        {
            // Data parallelism: one all-reduce of the flat gradient buffer (its tail carries the loss and the batch
            // size) sums the ranks' gradients, then / world size = the gradient of the global batch's mean loss. It
            // comes before anything reads the gradients: unscaling a loss-scaled (fp16) buffer, the non-finite check,
            // the norm and clipping then see the same numbers on every rank and decide alike, so the replicas stay
            // bit-identical. Loss scaling goes after this line: all-reduce, then unscale and check. An overflow on any
            // rank reaches every rank as inf/NaN in the reduced buffer, so checking after the all-reduce skips the
            // update on every rank.
            (lossTotal, meanCount) = _parallel.AverageGradients(_flat, lossTotal, batch.Count);
        }

        // Here the gradients of the whole logical batch are in _flat.Gradients and nothing has been measured: the
        // place for unscaling fp16 loss-scaled gradients (after the all-reduce above).
        if (_scaler.Enabled)
        {
            _flat.Unscale(_scaler.InverseScale);
        }

        var normTensor = _flat.GradientNorm();
        if (_options.GradientClipNorm is double max)
        {
            _flat.Clip(normTensor, max);
        }

        // The one wait for the device per update: loss, norm, (data-parallel) the ranks' mean batch size and (for
        // labels already there) the label range together.
        var fetched = new List<Tensor> { lossTotal.reshape(1), normTensor.reshape(1) };
        if (meanCount is not null)
        {
            fetched.Add(meanCount.reshape(1));
        }

        if (deviceLabelRange is not null)
        {
            fetched.Add(deviceLabelRange);
        }

        var host = cat(fetched.Select(value => value.to(ScalarType.Float64)).ToList()).cpu().data<double>().ToArray();
        int next = 2;
        if (meanCount is not null)
        {
            _parallel!.ThrowIfUnequalShares(host[next++], batch.Count, nameof(images));
        }

        if (deviceLabelRange is not null)
        {
            BatchChecks.ThrowIfOutOfRange(((long)host[next], (long)host[next + 1]), classes, nameof(targets));
        }

        return ((float)host[0], (float)host[1]);
    }

    /// <summary>Checks a batch and leaves its gradients in the parameters; returns the mean loss (for tests).</summary>
    internal Tensor ComputeGradients(Tensor images, Tensor targets)
    {
        var batch = _checks.Check(images, targets, _options.AccumulationSteps, classification: Loss is null);
        return _gradients.Run(images, targets, batch, Loss).Loss;
    }

    /// <summary>Logs once per trainer that soft targets are smoothed again (a loop of one's own cannot be checked as <see cref="Fit(BatchLoader, BatchLoader?, IProgress{TrainingProgress}?, CancellationToken)"/> checks its loader).</summary>
    private void WarnOnceIfSmoothedTwice(TargetKind kind)
    {
        if (kind == TargetKind.Probabilities && Loss is null && _options.LabelSmoothing > 0 && !_warnedSmoothedTwice)
        {
            _warnedSmoothedTwice = true;
            TrainerLog.SoftTargetsSmoothedAgain(_logger, _options.LabelSmoothing);
        }
    }
}
