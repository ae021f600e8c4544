using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Forward, loss and backward of one logical batch in the options' precision: <see cref="TrainerOptions.AccumulationSteps"/>
/// equal micro-batches, their gradients summed in the flat gradient buffer, the loss scaled first in fp16.
/// </summary>
internal sealed class GradientPass(nn.Module<Tensor, Tensor> model, FlatAdamW flat, LossScaler scaler, Device device, TrainerOptions options)
{
    /// <summary>
    /// Leaves the gradients of one logical batch in the flat gradient buffer (train mode, micro-batches as configured)
    /// and returns its mean loss as a detached scalar in the caller's scope, with the [min, max] of class indices that
    /// were already on the device (null otherwise), for the caller to check with its one wait against the model's
    /// number of classes (the logits' width).
    /// </summary>
    /// <param name="images">The batch's inputs, on any device.</param>
    /// <param name="targets">Its targets, checked into <paramref name="batch"/>.</param>
    /// <param name="batch">What the checks learned of the batch.</param>
    /// <param name="customLoss">The trainer's <see cref="Trainer.Loss"/>, or <see langword="null"/> for cross-entropy.</param>
    public (Tensor Loss, Tensor? DeviceLabelRange, long Classes) Run(Tensor images, Tensor targets, CheckedBatch batch, Func<Tensor, Tensor, Tensor>? customLoss)
    {
        // Forward, loss and backward in the options' precision (Float32: autocast off, even inside a caller's scope).
        using var autocast = Autocast.Enable(options.Precision);
        model.train();
        flat.ZeroGradients();
        images = images.to(device);
        targets = targets.to(device);
        var labelRange = batch.LabelsOnDevice ? stack([targets.min(), targets.max()]) : null;
        int k = options.AccumulationSteps;
        int micro = batch.Count / k;
        var losses = new Tensor[k];
        long classes = 0;
        for (int i = 0; i < k; i++)
        {
            using var scope = NewDisposeScope();
            var x = k == 1 ? images : images.narrow(0, i * micro, micro);
            var y = k == 1 ? targets : targets.narrow(0, i * micro, micro);
            var logits = ModelCall.Run(model, x);
            if (i == 0)
            {
                BatchChecks.CheckLogits(logits, micro, y, batch);
                classes = logits.ndim == 2 ? logits.shape[1] : 0;
            }

            var loss = MicroBatchLoss(logits, y, batch, customLoss);
            // Equal micro-batches: the mean of their means is the batch mean, and so is the summed gradient of loss / k.
            if (k > 1)
            {
                using var steps = k.ToScalar();
                loss = loss.div(steps);
            }

            if (scaler.Enabled)
            {
                // fp16: backward of the scaled loss, so small gradients survive in fp16; unscaled before the norm.
                using var scale = scaler.Scale.ToScalar();
                loss.mul(scale).backward();
            }
            else
            {
                loss.backward();
            }

            losses[i] = loss.detach().MoveToOuterDisposeScope();
        }

        return (k == 1 ? losses[0] : stack(losses).sum(), labelRange, classes);
    }

    /// <summary>The mean loss of one micro-batch: the user's loss, or cross-entropy as the options say.</summary>
    private Tensor MicroBatchLoss(Tensor logits, Tensor targets, CheckedBatch batch, Func<Tensor, Tensor, Tensor>? customLoss)
    {
        if (customLoss is { } custom)
        {
            var value = custom(logits, targets);
            if (value is null || value.numel() != 1 || !value.is_floating_point())
            {
                throw new InvalidOperationException(
                    $"Trainer.Loss must return the batch's mean loss as a floating-point scalar; it returned {(value is null ? "null" : $"{value.dtype} [{string.Join(", ", value.shape)}]")}.");
            }

            return options.Precision == ScalarType.Float32 ? value.reshape([]) : value.reshape([]).to(ScalarType.Float32);
        }

        if (options.Precision != ScalarType.Float32 && logits.dtype is ScalarType.BFloat16 or ScalarType.Float16)
        {
            // The loss is on autocast's fp32 list (a model whose last layer autocast does not reach may return bf16).
            logits = logits.to(ScalarType.Float32);
        }

        long classes = logits.shape[1];
        // Class indices that came on the device were not range-checked on the host: read them clamped (their range is
        // checked with the update's one wait), so an out-of-range one cannot trigger a device-side assert.
        using var min = 0.ToScalar();
        using var max = (classes - 1).ToScalar();
        var y = batch.LabelsOnDevice ? targets.clamp(min, max) : targets;
        return ClassificationLoss.Compute(logits, y, batch.Kind, options.LabelSmoothing, nn.Reduction.Mean);
    }
}
