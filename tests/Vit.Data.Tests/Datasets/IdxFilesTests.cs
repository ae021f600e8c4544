using System.Buffers.Binary;
using System.IO.Compression;
using FluentAssertions;
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
}
