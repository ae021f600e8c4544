using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>Summaries of an <see cref="IImageDataset"/>: samples per class and per-channel mean/std.</summary>
public static class DatasetStatistics
{
    /// <summary>Counts the samples of each class.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <returns>One count per class name.</returns>
    public static int[] CountPerClass(this IImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int[] counts = new int[dataset.ClassNames.Count];
        for (int i = 0; i < dataset.Count; i++)
        {
            counts[dataset.GetLabel(i)]++;
        }

        return counts;
    }

    /// <summary>
    /// Computes each channel's mean and population standard deviation over every pixel of every sample, with pixels
    /// scaled to [0, 1] (byte / 255). Sums run in float64 so large datasets lose no precision.
    /// </summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="chunkSize">Samples read at a time.</param>
    /// <returns>The statistics.</returns>
    public static ChannelStatistics ComputeChannelStatistics(this IImageDataset dataset, int chunkSize = 1024)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        int channels = dataset.Channels;
        double[] sum = new double[channels];
        double[] sumSquares = new double[channels];
        int[] indices = new int[Math.Min(chunkSize, dataset.Count)];
        using var two = 2.ToScalar(); // pow(two), not square(): square() creates an implicit Scalar 2 inside TorchSharp.
        for (int start = 0; start < dataset.Count; start += chunkSize)
        {
            int count = Math.Min(chunkSize, dataset.Count - start);
            for (int i = 0; i < count; i++)
            {
                indices[i] = start + i;
            }

            using var scope = NewDisposeScope();
            var (images, labels) = dataset.GetBatch(indices.AsSpan(0, count));
            // Byte values summed exactly in float64: [B, C, H, W] → [C].
            Tensor values = images.to_type(ScalarType.Float64);
            double[] s = values.sum([0, 2, 3]).data<double>().ToArray();
            double[] q = values.pow(two).sum([0, 2, 3]).data<double>().ToArray();
            for (int c = 0; c < channels; c++)
            {
                sum[c] += s[c];
                sumSquares[c] += q[c];
            }
        }

        double pixels = (double)dataset.Count * dataset.Height * dataset.Width;
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / pixels;
            double variance = Math.Max(0, (sumSquares[c] / pixels) - (m * m));
            mean[c] = (float)(m / 255.0);
            std[c] = (float)(Math.Sqrt(variance) / 255.0);
        }

        return new ChannelStatistics(mean, std);
    }
}
