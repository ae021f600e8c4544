using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// How a <see cref="BatchLoader"/> builds one batch from its samples: read them, convert to float32 in [0, 1] on the
/// device, apply the transforms and the batch step with streams keyed by the samples and the batch, then move the
/// images to the model's dtype. Runs on the loader's worker threads; holds no state that changes.
/// </summary>
internal sealed class BatchBuilder(
    IImageDataset dataset, int seed, Device device, ScalarType imageDtype, torchvision.ITransform[] transforms, IBatchTransform? batchTransform)
{
    /// <summary>The purpose the batch step's streams are derived with (transforms use their position).</summary>
    private const long BatchStepPurpose = 0x4241_5443_4853_5450; // "BATCHSTP"

    // Lives for the process: an implicit Scalar can be freed by another thread's GC while libtorch reads it.
    private static readonly Scalar LevelMax = 255f.ToScalar();

    /// <summary>Gets the batch step, or <see langword="null"/> when the targets are the labels.</summary>
    public IBatchTransform? BatchTransform => batchTransform;

    /// <summary>
    /// Builds batch <paramref name="index"/> of an epoch from the samples <paramref name="samples"/>. The streams are
    /// keyed by the samples' dataset indices and by <paramref name="index"/> (a rank's share of a global batch passes
    /// the global batch's index, so it is augmented and mixed as in the whole batch).
    /// </summary>
    public Batch Build(int epoch, int index, ReadOnlySpan<int> samples)
    {
        using var scope = NewDisposeScope();
        var (bytes, labels) = dataset.GetBatch(samples);

        // Images travel as uint8 (a quarter of float32); to CUDA from pinned memory without waiting for the copy.
        Tensor images = DeviceTransfer.ToDevice(bytes, device).to_type(ScalarType.Float32).div_(LevelMax);
        labels = DeviceTransfer.ToDevice(labels, device);
        var streams = SampleStreams.ForSamples(seed, epoch, index, samples);
        for (int t = 0; t < transforms.Length; t++)
        {
            images = transforms[t] is IRandomTransform random ? random.Apply(images, streams.Derive(t)) : transforms[t].call(images);
        }

        if (batchTransform is null)
        {
            return new Batch(InImageDtype(images), labels, epoch, index);
        }

        var (mixed, targets) = batchTransform.Apply(images, labels, streams.Derive(BatchStepPurpose));
        return new Batch(InImageDtype(mixed), labels, targets, epoch, index);
    }

    /// <summary>Transforms and the batch step run in fp32; the model's dtype (e.g. bf16 weights) comes last.</summary>
    private Tensor InImageDtype(Tensor images) => images.dtype == imageDtype ? images : images.to_type(imageDtype);
}
