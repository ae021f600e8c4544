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
        FashionMnist.HasFullSet(shipped).Should().BeTrue("the training split ships beside the test split");
        FashionMnist.HasTestSplit(dir.Path).Should().BeFalse();
        FluentActions.Invoking(() => FashionMnist.LoadTest(dir.Path)).Should().Throw<FileNotFoundException>()
            .WithMessage($"*{dir.File("t10k-images-idx3-ubyte.gz")}*");
    }

    [Fact]
    public void LoadTrain_RepositoryCopy_SixThousandImagesPerClass()
    {
        // Reference numbers from Python (gzip + NumPy) on the same file: first labels 9 0 0 3 0 2 7 2 5 5, image 0 sums to 76,247.
        using var train = FashionMnist.LoadTrain(TestFiles.InRepository("data/fashion-mnist"));

        train.Count.Should().Be(60_000);
        train.CountPerClass().Should().OnlyContain(c => c == 6000);
        Enumerable.Range(0, 10).Select(train.GetLabel).Should().Equal(9, 0, 0, 3, 0, 2, 7, 2, 5, 5);
        var (image, _) = train.GetBatch([0]);
        using (image)
        {
            Longs(image).Sum().Should().Be(76_247);
        }
    }

    [Fact]
    public void LoadTrain_LabelsOfTheTestSplitUnderTheTrainingName_FailsNamingTheFile()
    {
        using var dir = CopyOfShipped();
        File.Copy(dir.File("t10k-labels-idx1-ubyte.gz"), dir.File("train-labels-idx1-ubyte.gz"), overwrite: true);

        FluentActions.Invoking(() => FashionMnist.LoadTrain(dir.Path)).Should().Throw<InvalidDataException>().WithMessage(
            $"'{dir.File("train-labels-idx1-ubyte.gz")}' holds 10,008 decompressed bytes; Fashion-MNIST's train-labels-idx1-ubyte.gz holds 60,008: the file is truncated or is another file.");
    }

    [Fact]
    public void LoadTest_OneFlippedPixel_FailsOnTheChecksum()
    {
        using var dir = CopyOfShipped();
        string path = dir.File("t10k-images-idx3-ubyte.gz");
        byte[] raw = DecompressedCopy(path);
        raw[5000] ^= 1;
        File.WriteAllBytes(path, raw); // uncompressed IDX is accepted too: the checksum is of the decompressed bytes

        FluentActions.Invoking(() => FashionMnist.LoadTest(dir.Path)).Should().Throw<InvalidDataException>()
            .WithMessage($"'{path}': the SHA-256 of its bytes is *, but Fashion-MNIST's t10k-images-idx3-ubyte.gz has 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b: the file is damaged or holds other data*");
    }

    [Fact]
    public void LoadTest_UncompressedCopy_Loads()
    {
        using var dir = CopyOfShipped();
        string path = dir.File("t10k-images-idx3-ubyte.gz");
        File.WriteAllBytes(path, DecompressedCopy(path));

        using var test = FashionMnist.LoadTest(dir.Path);

        test.Count.Should().Be(10_000);
    }

    [Fact]
    public void LoadTest_TruncatedGzip_FailsNamingTheFile()
    {
        using var dir = CopyOfShipped();
        string path = dir.File("t10k-images-idx3-ubyte.gz");
        byte[] gz = File.ReadAllBytes(path);
        File.WriteAllBytes(path, gz[..(gz.Length / 2)]);

        FluentActions.Invoking(() => FashionMnist.LoadTest(dir.Path)).Should().Throw<InvalidDataException>().WithMessage($"'{path}'*");
    }

    private static TempDirectory CopyOfShipped()
    {
        var dir = new TempDirectory();
        string shipped = TestFiles.InRepository("data/fashion-mnist");
        foreach (string file in Directory.GetFiles(shipped, "*.gz"))
        {
            File.Copy(file, dir.File(Path.GetFileName(file)));
        }

        return dir;
    }

    private static byte[] DecompressedCopy(string path)
    {
        using var input = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
