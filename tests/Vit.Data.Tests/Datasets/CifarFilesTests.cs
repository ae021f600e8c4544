using FluentAssertions;
using Vit.Fuzz;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class CifarFilesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A record: label byte(s), then red, green, blue planes filled with (tag, tag + 1, tag + 2).</summary>
    private static byte[] Record(byte[] labels, byte tag) =>
        [.. labels, .. Enumerable.Repeat(tag, 1024), .. Enumerable.Repeat((byte)(tag + 1), 1024), .. Enumerable.Repeat((byte)(tag + 2), 1024)];

    [Fact]
    public void LoadCifar10_TrainBatches_ConcatenatedInOrderWithPlanarPixels()
    {
        for (int f = 1; f <= 5; f++)
        {
            File.WriteAllBytes(_dir.File($"data_batch_{f}.bin"), [.. Record([(byte)f], (byte)(10 * f)), .. Record([(byte)(f + 4)], (byte)((10 * f) + 5))]);
        }

        using var dataset = CifarFiles.LoadCifar10(_dir.Path, train: true);
        dataset.Count.Should().Be(10);
        (dataset.Channels, dataset.Height, dataset.Width).Should().Be((3, 32, 32));
        dataset.ClassNames.Should().Equal(CifarFiles.Cifar10ClassNames);
        Enumerable.Range(0, 10).Select(dataset.GetLabel).Should().Equal(1, 5, 2, 6, 3, 7, 4, 8, 5, 9);
        var (images, _) = dataset.GetBatch([3]);
        using (images)
        {
            long[] pixels = Longs(images);
            pixels[0].Should().Be(25);         // red plane of record 2 of file 2: tag 25
            pixels[1024].Should().Be(26);      // green plane
            pixels[2047 + 1024].Should().Be(27); // last blue pixel
        }
    }

    [Fact]
    public void LoadCifar10_MetaFile_GivesNames()
    {
        File.WriteAllBytes(_dir.File("test_batch.bin"), Record([1], 0));
        File.WriteAllLines(_dir.File("batches.meta.txt"), ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", ""]);
        using var dataset = CifarFiles.LoadCifar10(_dir.Path, train: false);
        dataset.ClassNames.Should().HaveCount(10).And.StartWith("a0");
    }

    [Theory]
    [InlineData(false, 77)]
    [InlineData(true, 13)]
    public void LoadCifar100_FineOrCoarse_PicksLabelByte(bool coarse, int expected)
    {
        File.WriteAllBytes(_dir.File("test.bin"), Record([13, 77], 3));
        using var dataset = CifarFiles.LoadCifar100(_dir.Path, train: false, coarseLabels: coarse);
        dataset.ClassNames.Should().HaveCount(coarse ? 20 : 100);
        dataset.GetLabel(0).Should().Be(expected);
    }

    [Fact]
    public void LoadCifar10_Truncated_NamesFileRecordAndOffset()
    {
        string file = _dir.File("test_batch.bin");
        File.WriteAllBytes(file, [.. Record([1], 0), .. Record([2], 0)[..100]]);
        var act = () => CifarFiles.LoadCifar10(_dir.Path, train: false);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{file}' is truncated: 3173 bytes is not a whole number of 3073-byte records; record 1 starting at offset 3073 is incomplete.");
    }

    [Fact]
    public void LoadCifar10_LabelOutOfRange_NamesFileRecordAndOffset()
    {
        string file = _dir.File("test_batch.bin");
        File.WriteAllBytes(file, [.. Record([1], 0), .. Record([12], 0)]);
        var act = () => CifarFiles.LoadCifar10(_dir.Path, train: false);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{file}': label 12 of record 1 (at offset 3073) is outside the 10 classes [0, 10).");
    }

    [Fact]
    public void LoadCifar10_MissingBatch_NamesFile()
    {
        var act = () => CifarFiles.LoadCifar10(_dir.Path, train: true);
        act.Should().Throw<FileNotFoundException>().WithMessage($"Data file '{_dir.File("data_batch_1.bin")}' does not exist.");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    [InlineData("directory", "a directory")]
    public void LoadCifar10_SpecialBatchFile_ThrowsWithoutOpeningIt(string kind, string described)
    {
        string batch = _dir.File("test_batch.bin");
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(batch);
        var act = () => CifarFiles.LoadCifar10(_dir.Path, train: false);
        act.Should().Throw<InvalidDataException>().WithMessage($"'{batch}' is {described}, not a regular file; Vit reads only regular files.");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    [InlineData("directory", "a directory")]
    public void LoadCifar10_SpecialNamesFile_ThrowsWithoutOpeningIt(string kind, string described)
    {
        File.WriteAllBytes(_dir.File("test_batch.bin"), Record([1], 0));
        string names = _dir.File("batches.meta.txt");
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(names);
        var act = () => CifarFiles.LoadCifar10(_dir.Path, train: false);
        act.Should().Throw<InvalidDataException>().WithMessage($"'{names}' is {described}, not a regular file; Vit reads only regular files.");
    }

    [Fact]
    public void LoadFiles_MoreThanOneArrayHolds_ThrowsBeforeReading()
    {
        string file = _dir.File("huge.bin");
        SpecialFiles.Sparse(file, 1_000_000L * 3073);
        var act = () => CifarFiles.LoadFiles([file], 1, 0, CifarFiles.Cifar10ClassNames);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{file}' brings the images to 1000000 records of 3072 pixel bytes, more than the 2147483591 bytes one in-memory dataset holds.");
    }
}
