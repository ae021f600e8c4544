using System.Globalization;
using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Checks a batch against the model before it runs, each message naming the value and what was expected. A
/// <see cref="VisionTransformer"/>'s options say the image shape and class count up front; for other models the class
/// count comes from the first logits (<see cref="CheckLogits"/>), still before any backward pass or update.
/// </summary>
internal sealed class BatchChecks(nn.Module model)
{
    private readonly VisionTransformerOptions? _vit = (model as VisionTransformer)?.Options;

    /// <summary>
    /// Gets or sets whether class indices on the CPU take the path of indices already on another device (checked with
    /// the update's one wait, read clamped): lets the tests exercise that path on machines without a GPU.
    /// </summary>
    internal bool TreatCpuLabelsAsOnDevice { get; set; }

    /// <summary>Checks shapes, dtypes and (for CPU labels) the label range; returns what it learned.</summary>
    /// <param name="images">The inputs.</param>
    /// <param name="targets">The targets.</param>
    /// <param name="divisor">The number of equal micro-batches the batch must split into.</param>
    /// <param name="classification">Whether the targets feed cross-entropy (class indices or probabilities) rather than a user's loss.</param>
    public CheckedBatch Check(Tensor images, Tensor targets, int divisor, bool classification)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(targets);
        CheckImages(images);
        long count = images.shape[0];
        if (targets.ndim < 1 || targets.shape[0] != count)
        {
            throw new ArgumentException(Invariant($"images has {count} samples but targets has {(targets.ndim < 1 ? "none (a scalar)" : targets.shape[0].ToString(CultureInfo.InvariantCulture))}."), nameof(targets));
        }

        if (count == 0)
        {
            throw new ArgumentException("The batch is empty.", nameof(images));
        }

        if (count % divisor != 0)
        {
            throw new ArgumentException(Invariant($"A batch of {count} images cannot be split into AccumulationSteps ({divisor}) equal micro-batches."), nameof(images));
        }

        if (!classification)
        {
            return new CheckedBatch((int)count, TargetKind.Custom, null, LabelsOnDevice: false);
        }

        if (targets.ndim == 2 && targets.is_floating_point())
        {
            if (_vit is not null && targets.shape[1] != _vit.NumClasses)
            {
                throw SoftShape(targets, count, _vit.NumClasses);
            }

            return new CheckedBatch((int)count, TargetKind.Probabilities, null, LabelsOnDevice: false);
        }

        if (targets.ndim != 1 || targets.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(Invariant($"targets must be int64 class indices [B] or floating-point probabilities [B, K]; got {targets.dtype} with shape {Shape(targets)}."), nameof(targets));
        }

        if (targets.device_type != DeviceType.CPU || TreatCpuLabelsAsOnDevice)
        {
            return new CheckedBatch((int)count, TargetKind.ClassIndices, null, LabelsOnDevice: true);
        }

        // On the host, before any copy to the device: an out-of-range label must fail here, not as a device-side
        // assert inside cross_entropy.
        (long Min, long Max) range;
        using (NewDisposeScope())
        {
            var values = stack([targets.min(), targets.max()]).data<long>();
            range = (values[0], values[1]);
        }

        if (_vit is not null)
        {
            ThrowIfOutOfRange(range, _vit.NumClasses, nameof(targets));
        }

        return new CheckedBatch((int)count, TargetKind.ClassIndices, range, LabelsOnDevice: false);
    }

    /// <summary>Checks the logits of a micro-batch of <paramref name="rows"/> samples against the targets' kind.</summary>
    /// <exception cref="ArgumentException">The logits are not [rows, K] floating-point, or K does not fit the targets.</exception>
    public static void CheckLogits(Tensor logits, long rows, Tensor targets, CheckedBatch batch)
    {
        if (batch.Kind == TargetKind.Custom)
        {
            return;
        }

        if (logits.ndim != 2 || logits.shape[0] != rows || !logits.is_floating_point())
        {
            throw new ArgumentException(Invariant($"The model's output must be floating-point logits [{rows}, K] for cross-entropy; got {logits.dtype} with shape {Shape(logits)}. Set Trainer.Loss for other outputs."), nameof(logits));
        }

        long classes = logits.shape[1];
        if (batch.Kind == TargetKind.Probabilities && targets.shape[1] != classes)
        {
            throw SoftShape(targets, targets.shape[0], classes);
        }

        if (batch.HostLabelRange is { } range)
        {
            ThrowIfOutOfRange(range, classes, nameof(targets));
        }
    }

    /// <summary>Throws the message for class indices outside [0, classes).</summary>
    public static void ThrowIfOutOfRange((long Min, long Max) range, long classes, string parameterName)
    {
        if (range.Min < 0 || range.Max >= classes)
        {
            throw new ArgumentOutOfRangeException(parameterName, Invariant($"labels must be in [0, {classes}) for this model; found values from {range.Min} to {range.Max}."));
        }
    }

    private void CheckImages(Tensor images)
    {
        if (_vit is null)
        {
            if (images.ndim < 1)
            {
                throw new ArgumentException("images must have a batch dimension; got a scalar.", nameof(images));
            }

            return;
        }

        var o = _vit;
        if (images.ndim != 4 || !images.is_floating_point())
        {
            throw new ArgumentException(Invariant($"images must be a floating-point [B, C, H, W] tensor; got {images.dtype} with shape {Shape(images)}."), nameof(images));
        }

        if (images.shape[1] != o.InChannels || images.shape[2] != o.ImageSize || images.shape[3] != o.ImageSize)
        {
            throw new ArgumentException(Invariant($"images has shape {Shape(images)}; this model expects [B, {o.InChannels}, {o.ImageSize}, {o.ImageSize}]."), nameof(images));
        }
    }

    private static ArgumentException SoftShape(Tensor targets, long count, long classes) =>
        new(Invariant($"Soft targets must have shape [{count}, {classes}] (batch, classes of the model); got {Shape(targets)}."), nameof(targets));

    private static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
