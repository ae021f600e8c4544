using FluentAssertions;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

/// <summary>
/// Reference numbers were computed independently with Python (gzip + PyTorch 1.13) from the same files:
/// first labels 9 2 1 1 6 1 4 6 5 7, 1,000 per class, pixel mean 0.28684928 and std 0.35244415 on [0, 1],
/// image 0 sums to 33456 and its row 14 is listed below.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class FashionMnistTests
{
    [Fact]
    public void LoadShippedTest_FromRepository_MatchesReferenceNumbers()
    {
        using var dataset = FashionMnist.LoadShippedTest();
        dataset.Count.Should().Be(10_000);
        (dataset.Channels, dataset.Height, dataset.Width).Should().Be((1, 28, 28));
        dataset.ClassNames.Should().Equal(FashionMnist.ClassNames);
        dataset.ClassNames[9].Should().Be("Ankle boot");
        Enumerable.Range(0, 10).Select(dataset.GetLabel).Should().Equal(9, 2, 1, 1, 6, 1, 4, 6, 5, 7);
        dataset.CountPerClass().Should().OnlyContain(c => c == 1000);

        var (image, _) = dataset.GetBatch([0]);
        using (image)
        {
            long[] pixels = Longs(image);
            pixels.Sum().Should().Be(33456);
            pixels[(14 * 28)..(15 * 28)].Should().Equal(
                0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0);
        }

        var stats = dataset.ComputeChannelStatistics();
        stats.Mean[0].Should().BeApproximately(0.28684928f, 1e-6f);
        stats.Std[0].Should().BeApproximately(0.35244415f, 1e-6f);
    }

    [Fact]
    public void SplitShipped_DefaultSeed_EightThousandTwoThousandStratified()
    {
        using var dataset = FashionMnist.LoadShippedTest();
        var (train, heldOut) = FashionMnist.SplitShipped(dataset);
        train.Count.Should().Be(8000);
        heldOut.Count.Should().Be(2000);
        train.CountPerClass().Should().OnlyContain(c => c == 800);
        heldOut.CountPerClass().Should().OnlyContain(c => c == 200);
        train.Indices.Intersect(heldOut.Indices).Should().BeEmpty();
        FashionMnist.SplitShipped(dataset).HeldOut.Indices.Should().Equal(heldOut.Indices);
    }

    [Fact]
    public void FindShippedDirectory_FromFolderWithoutData_ReturnsNull()
    {
        using var dir = new TempDirectory();
        FashionMnist.FindShippedDirectory(dir.Path).Should().BeNull();
    }

    [SkippableFact]
    public void LoadTrain_FullSetInstalled_SixtyThousandImages()
    {
        Skip.IfNot(FashionMnist.HasFullSet(), $"The full Fashion-MNIST set is not installed in {FashionMnist.SystemDirectory}.");
        using var train = FashionMnist.LoadTrain();
        train.Count.Should().Be(60_000);
        train.CountPerClass().Should().OnlyContain(c => c == 6000);
    }
}
