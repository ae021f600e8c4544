using System.Globalization;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>Checks a batch against the model and options before anything happens; returns its size.</summary>
    private int CheckBatch(Tensor images, Tensor labels, int divisor)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        var o = _modelOptions;
        if (images.ndim != 4 || !images.is_floating_point())
        {
            throw new ArgumentException(Invariant($"images must be a floating-point [B, C, H, W] tensor; got {images.dtype} with shape {Shape(images)}."), nameof(images));
        }

        if (images.shape[1] != o.InChannels || images.shape[2] != o.ImageSize || images.shape[3] != o.ImageSize)
        {
            throw new ArgumentException(Invariant($"images has shape {Shape(images)}; this model expects [B, {o.InChannels}, {o.ImageSize}, {o.ImageSize}]."), nameof(images));
        }

        if (labels.ndim != 1 || labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(Invariant($"labels must be a 1-D int64 tensor of class indices; got {labels.dtype} with shape {Shape(labels)}."), nameof(labels));
        }

        long count = images.shape[0];
        if (labels.shape[0] != count)
        {
            throw new ArgumentException(Invariant($"images has {count} samples but labels has {labels.shape[0]}."), nameof(labels));
        }

        if (count == 0)
        {
            throw new ArgumentException("The batch is empty.", nameof(images));
        }

        if (count % divisor != 0)
        {
            throw new ArgumentException(Invariant($"A batch of {count} images cannot be split into AccumulationSteps ({divisor}) equal micro-batches."), nameof(images));
        }

        // Checked where the labels are (free when the loader leaves them on the CPU): an out-of-range label must
        // fail here, not as a device-side assert inside cross_entropy.
        using (NewDisposeScope())
        {
            var range = stack([labels.min(), labels.max()]).cpu().data<long>();
            if (range[0] < 0 || range[1] >= o.NumClasses)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), Invariant($"labels must be in [0, {o.NumClasses}) for this model; found values from {range[0]} to {range[1]}."));
            }
        }

        return (int)count;
    }

    private static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
