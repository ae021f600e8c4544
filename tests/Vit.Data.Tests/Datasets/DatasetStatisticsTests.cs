using FluentAssertions;
using Xunit;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class DatasetStatisticsTests
{
    [Fact]
    public void ComputeChannelStatistics_SmallChunks_MatchesDirectComputation()
    {
        // 7 RGB images of 3x5 with System.Random bytes; mean/std per channel computed here with plain loops.
        const int n = 7, c = 3, plane = 15;
        var random = new Random(3);
        byte[] pixels = new byte[n * c * plane];
        random.NextBytes(pixels);
        using var dataset = new InMemoryImageDataset(pixels, new int[n], c, 3, 5, ["only"]);

        var stats = dataset.ComputeChannelStatistics(chunkSize: 3);

        for (int ch = 0; ch < c; ch++)
        {
            var values = Enumerable.Range(0, n).SelectMany(i => pixels.Skip(((i * c) + ch) * plane).Take(plane)).Select(b => b / 255.0).ToArray();
            double mean = values.Average();
            double std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
            stats.Mean[ch].Should().BeApproximately((float)mean, 1e-6f);
            stats.Std[ch].Should().BeApproximately((float)std, 1e-6f);
        }
    }

    [Fact]
    public void CountPerClass_CountsLabels()
    {
        using var dataset = new InMemoryImageDataset(new byte[5], [2, 0, 2, 2, 1], 1, 1, 1, ["a", "b", "c", "d"]);
        dataset.CountPerClass().Should().Equal(1, 1, 3, 0);
    }
}
