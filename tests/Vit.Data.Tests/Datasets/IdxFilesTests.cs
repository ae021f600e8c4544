using System.Buffers.Binary;
using System.IO.Compression;
using FluentAssertions;
using Vit.Fuzz;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class IdxFilesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Header(int magic, params int[] dims)
    {
        byte[] header = new byte[4 + (4 * dims.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * d)), dims[d]);
        }

        return header;
    }

    private string Write(string name, byte[] content, bool gzip)
    {
        string path = _dir.File(name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(content);
        }
        else
        {
            File.WriteAllBytes(path, content);
        }

        return path;
    }

    /// <summary>Three 2x3 images whose pixel p of image i is 10·i + p, labels 2, 0, 1.</summary>
    private (string Images, string Labels) WriteSample(bool gzip)
    {
        byte[] pixels = [.. Enumerable.Range(0, 3).SelectMany(i => Enumerable.Range(0, 6).Select(p => (byte)((10 * i) + p)))];
        string images = Write(gzip ? "images.gz" : "images.idx", [.. Header(0x803, 3, 2, 3), .. pixels], gzip);
        string labels = Write(gzip ? "labels.gz" : "labels.idx", [.. Header(0x801, 3), 2, 0, 1], gzip);
        return (images, labels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_RawOrGzip_ReadsPixelsAndLabels(bool gzip)
    {
        var (images, labels) = WriteSample(gzip);
        using var dataset = IdxFiles.Load(images, labels);
        dataset.Count.Should().Be(3);
        (dataset.Channels, dataset.Height, dataset.Width).Should().Be((1, 2, 3));
        dataset.ClassNames.Should().Equal("0", "1", "2");
        var (batch, batchLabels) = dataset.GetBatch([2, 0]);
        using (batch)
        using (batchLabels)
        {
            batch.shape.Should().Equal(2, 1, 2, 3);
            Longs(batch).Should().Equal(20, 21, 22, 23, 24, 25, 0, 1, 2, 3, 4, 5);
            Longs(batchLabels).Should().Equal(1, 2);
        }
    }

    [Fact]
    public void Load_ClassNames_AreUsed()
    {
        var (images, labels) = WriteSample(false);
        using var dataset = IdxFiles.Load(images, labels, ["a", "b", "c", "d"]);
        dataset.ClassNames.Should().Equal("a", "b", "c", "d");
        dataset.GetLabel(0).Should().Be(2);
    }

    [Fact]
    public void Load_LabelOutOfRange_NamesFileIndexAndOffset()
    {
        var (images, labels) = WriteSample(false);
        var act = () => IdxFiles.Load(images, labels, ["a", "b"]);
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{labels}': label 2 of sample 0 (at offset 8) is outside the 2 classes [0, 2).");
    }

    [Fact]
    public void Load_WrongMagic_NamesFileAndValue()
    {
        var (_, labels) = WriteSample(false);
        // A labels file passed as the images file.
        var act = () => IdxFiles.Load(labels, labels);
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{labels}' has magic number 0x00000801 at offset 0; expected 0x00000803*");
    }

    [Fact]
    public void Load_TruncatedImages_NamesFileAndOffset()
    {
        string images = Write("short.idx", [.. Header(0x803, 3, 2, 3), .. new byte[10]], gzip: false);
        var (_, labels) = WriteSample(false);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>()
            .WithMessage($"'{images}' is truncated: its header [3, 2, 3] needs 34 bytes but the data ends at offset 26 (inside sample 1).");
    }

    [Fact]
    public void Load_TruncatedGzipPayload_SaysDecompressedOffset()
    {
        string images = Write("short.gz", [.. Header(0x803, 3, 2, 3), .. new byte[7]], gzip: true);
        var (_, labels) = WriteSample(false);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage("*ends at offset 23 of the decompressed data*");
    }

    [Fact]
    public void Load_CutGzipStream_NamesFile()
    {
        var (images, labels) = WriteSample(true);
        byte[] whole = File.ReadAllBytes(images);
        string cut = _dir.File("cut.gz");
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
        var act = () => IdxFiles.Load(cut, labels);
        act.Should().Throw<InvalidDataException>().WithMessage($"'{cut}'*");
    }

    [Fact]
    public void Load_ExtraBytes_NamesOffset()
    {
        var (images, _) = WriteSample(false);
        string labels = Write("long.idx", [.. Header(0x801, 3), 2, 0, 1, 9, 9], gzip: false);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage($"'{labels}' has 2 unexpected bytes after its data, starting at offset 11.");
    }

    [Fact]
    public void Load_CountMismatch_Throws()
    {
        var (images, _) = WriteSample(false);
        string labels = Write("two.idx", [.. Header(0x801, 2), 0, 1], gzip: false);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage($"'{labels}' holds 2 labels but '{images}' holds 3 images.");
    }

    [Fact]
    public void Load_MissingFile_NamesPath()
    {
        string missing = _dir.File("nope.gz");
        var act = () => IdxFiles.Load(missing, missing);
        act.Should().Throw<FileNotFoundException>().WithMessage($"Data file '{missing}' does not exist.");
    }

    [Fact]
    public void Load_HeaderBeyondARawFile_ThrowsBeforeAllocating()
    {
        string images = Write("huge.idx", Header(0x803, 1 << 22, 1 << 21, 1 << 21), gzip: false);
        var (_, labels) = WriteSample(false);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{images}' is truncated: its header [4194304, 2097152, 2097152] needs 18446744073709551632 bytes but the data ends at offset 16 (inside sample 0).");
    }

    [Fact]
    public void Load_HeaderBeyondWhatTheGzipCanInflateTo_ThrowsBeforeAllocating()
    {
        string images = Write("huge.gz", Header(0x803, 1 << 22, 1 << 21, 1 << 21), gzip: true);
        long length = new FileInfo(images).Length;
        var (_, labels) = WriteSample(false);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{images}' declares [4194304, 2097152, 2097152] = 18446744073709551616 bytes, more than the file can hold ({length} gzip bytes inflate to at most {length * 1032}).");
    }

    [Fact]
    public void Load_GzipBomb_ReadsTheHeaderFirstAndStopsAtTheDeclaredData()
    {
        string images = _dir.File("bomb.gz");
        Gzip.WriteWithZeros(images, [.. Header(0x803, 3, 2, 3), .. new byte[18]], 1L << 30);
        var (_, labels) = WriteSample(false);
        long before = GC.GetTotalAllocatedBytes();
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{images}' has more than 16777216 unexpected bytes after its data, starting at offset 34 of the decompressed data.");
        (GC.GetTotalAllocatedBytes() - before).Should().BeLessThan(50_000_000, "the gzip stream is inflated as it is read, never whole");
    }

    [Fact]
    public void Load_BytesAfterTheGzipMember_ThrowsNamingTheTrailer()
    {
        var (images, labels) = WriteSample(true);
        File.AppendAllText(images, "garbage");
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{images}' does not end with the trailer of its gzip data: its last 4 bytes give a size of * but the data inflated to 34 bytes (bytes after the gzip data, or several gzip members joined; Vit reads files of one gzip member).");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    [InlineData("directory", "a directory")]
    public void Load_SpecialFile_ThrowsWithoutOpeningIt(string kind, string described)
    {
        var (_, labels) = WriteSample(false);
        string images = _dir.File("special.idx");
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(images);
        var act = () => IdxFiles.Load(images, labels);
        act.Should().Throw<InvalidDataException>().WithMessage($"'{images}' is {described}, not a regular file; Vit reads only regular files.");
    }
}
