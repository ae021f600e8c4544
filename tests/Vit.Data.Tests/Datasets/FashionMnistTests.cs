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
    private const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    [Fact]
    public void LoadTest_RepositoryCopy_MatchesReferenceNumbers()
    {
        using var dataset = FashionMnist.LoadTest(TestFiles.InRepository("data/fashion-mnist"));
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
    public void HasTestSplitAndHasFullSet_TellWhichFilesAFolderHolds()
    {
        using var dir = new TempDirectory();
        string shipped = TestFiles.InRepository("data/fashion-mnist");

        FashionMnist.HasTestSplit(shipped).Should().BeTrue();
        FashionMnist.HasFullSet(shipped).Should().BeFalse("only the test split ships");
        FashionMnist.HasTestSplit(dir.Path).Should().BeFalse();
        FluentActions.Invoking(() => FashionMnist.LoadTest(dir.Path)).Should().Throw<FileNotFoundException>()
            .WithMessage($"*{dir.File("t10k-images-idx3-ubyte.gz")}*");
    }

    [SkippableFact]
    public void LoadTrain_FullSetInstalled_SixtyThousandImages()
    {
        Skip.IfNot(FashionMnist.HasFullSet(DebianDirectory), $"The full Fashion-MNIST set is not installed in {DebianDirectory}.");
        using var train = FashionMnist.LoadTrain(DebianDirectory);
        train.Count.Should().Be(60_000);
        train.CountPerClass().Should().OnlyContain(c => c == 6000);
    }
}
