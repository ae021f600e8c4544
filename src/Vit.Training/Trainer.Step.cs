using Vit.Core;
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
    /// <see cref="ProcessGroup"/>, every rank calls it at once with its equal share of the global batch and the
    /// gradients are averaged across the ranks first.
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
        float lossScale = _scaler.Scale;
        using (NewDisposeScope())
        {
            var (lossTotal, deviceLabelRange, classes) = ComputeGradients(images, targets, batch);
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
            loss = (float)host[0];
            norm = (float)host[1];
            int next = 2;
            if (meanCount is not null)
            {
                _parallel!.ThrowIfUnequalShares(host[next++], batch.Count, nameof(images));
            }

            if (deviceLabelRange is not null)
            {
                BatchChecks.ThrowIfOutOfRange(((long)host[next], (long)host[next + 1]), classes, nameof(targets));
            }

            if (float.IsFinite(loss) && float.IsFinite(norm))
            {
                _flat.Step(learningRate);
                _ema?.Update(t + 1);
            }
        }

        // A non-finite norm is an overflow for loss scaling (as GradScaler's found_inf, it looks at the gradients
        // only) and divergence otherwise; a non-finite loss is divergence either way.
        bool overflowed = _scaler.Enabled && !float.IsFinite(norm);
        bool diverged = !float.IsFinite(loss) || (!_scaler.Enabled && !float.IsFinite(norm));
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

    /// <summary>Checks a batch and leaves its gradients in the parameters; returns the mean loss (for tests).</summary>
    internal Tensor ComputeGradients(Tensor images, Tensor targets)
    {
        var batch = _checks.Check(images, targets, _options.AccumulationSteps, classification: Loss is null);
        return ComputeGradients(images, targets, batch).Loss;
    }

    /// <summary>
    /// Leaves the gradients of one logical batch in the flat gradient buffer (train mode, micro-batches as configured)
    /// and returns its mean loss as a detached scalar in the caller's scope, with the [min, max] of class indices that
    /// were already on the device (null otherwise), for the caller to check with its one wait against the model's
    /// number of classes (the logits' width).
    /// </summary>
    private (Tensor Loss, Tensor? DeviceLabelRange, long Classes) ComputeGradients(Tensor images, Tensor targets, CheckedBatch batch)
    {
        // Forward, loss and backward in the options' precision (Float32: autocast off, even inside a caller's scope).
        using var autocast = Autocast.Enable(_options.Precision);
        Model.train();
        _flat.ZeroGradients();
        images = images.to(_device);
        targets = targets.to(_device);
        var labelRange = batch.LabelsOnDevice ? stack([targets.min(), targets.max()]) : null;
        int k = _options.AccumulationSteps;
        int micro = batch.Count / k;
        var losses = new Tensor[k];
        long classes = 0;
        for (int i = 0; i < k; i++)
        {
            using var scope = NewDisposeScope();
            var x = k == 1 ? images : images.narrow(0, i * micro, micro);
            var y = k == 1 ? targets : targets.narrow(0, i * micro, micro);
            var logits = ModelCall.Run(Model, x);
            if (i == 0)
            {
                BatchChecks.CheckLogits(logits, micro, y, batch);
                classes = logits.ndim == 2 ? logits.shape[1] : 0;
            }

            var loss = MicroBatchLoss(logits, y, batch);
            // Equal micro-batches: the mean of their means is the batch mean, and so is the summed gradient of loss / k.
            if (k > 1)
            {
                loss = loss / k;
            }

            if (_scaler.Enabled)
            {
                // fp16: backward of the scaled loss, so small gradients survive in fp16; unscaled before the norm.
                loss.mul(_scaler.Scale).backward();
            }
            else
            {
                loss.backward();
            }

            losses[i] = loss.detach().MoveToOuterDisposeScope();
        }

        return (k == 1 ? losses[0] : stack(losses).sum(), labelRange, classes);
    }

    /// <summary>The mean loss of one micro-batch: the user's <see cref="Loss"/>, or cross-entropy as the options say.</summary>
    private Tensor MicroBatchLoss(Tensor logits, Tensor targets, CheckedBatch batch)
    {
        if (Loss is { } custom)
        {
            var value = custom(logits, targets);
            if (value is null || value.numel() != 1 || !value.is_floating_point())
            {
                throw new InvalidOperationException(
                    $"Trainer.Loss must return the batch's mean loss as a floating-point scalar; it returned {(value is null ? "null" : $"{value.dtype} [{string.Join(", ", value.shape)}]")}.");
            }

            return _options.Precision == ScalarType.Float32 ? value.reshape([]) : value.reshape([]).to(ScalarType.Float32);
        }

        if (_options.Precision != ScalarType.Float32 && logits.dtype is ScalarType.BFloat16 or ScalarType.Float16)
        {
            // The loss is on autocast's fp32 list (a model whose last layer autocast does not reach may return bf16).
            logits = logits.to(ScalarType.Float32);
        }

        long classes = logits.shape[1];
        // Class indices that came on the device were not range-checked on the host: read them clamped (their range is
        // checked with the update's one wait), so an out-of-range one cannot trigger a device-side assert.
        var y = batch.LabelsOnDevice ? targets.clamp(0, classes - 1) : targets;
        return ClassificationLoss.Compute(logits, y, batch.Kind, _options.LabelSmoothing, nn.Reduction.Mean);
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
