using System.IO.Compression;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class StreamingImageFolderTests : IDisposable
{
    private static readonly EvalTransform Transform = new(new EvalTransformOptions { ImageSize = 16, CropPct = 0.875 });
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_Folder_ListsClassesAndFilesInOrdinalOrder()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 6, 20, 14, classes: 3);

        using var dataset = StreamingImageFolder.Open(root, Transform);

        dataset.ClassNames.Should().Equal("class0", "class1", "class2");
        dataset.Files.Select(Path.GetFileName).Should().Equal("00000.jpg", "00003.jpg", "00001.jpg", "00004.jpg", "00002.jpg", "00005.jpg");
        Enumerable.Range(0, 6).Select(dataset.GetLabel).Should().Equal(0, 0, 1, 1, 2, 2);
        (dataset.Count, dataset.Channels, dataset.Height, dataset.Width).Should().Be((6, 3, 16, 16));
    }

    [Fact]
    public void GetBatch_Folder_EqualsTheEvalTransformOfEachFile()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 5, 23, 17);
        using var dataset = StreamingImageFolder.Open(root, Transform, new StreamingImageFolderOptions { DecodeThreads = 2 });

        var (images, labels) = dataset.GetBatch([4, 0, 2, 0]);
        using (images)
        using (labels)
        {
            images.shape.Should().Equal(4, 3, 16, 16);
            Longs(labels).Should().Equal(1, 0, 0, 0);
            long[] actual = Longs(images);
            int[] order = [4, 0, 2, 0];
            for (int b = 0; b < order.Length; b++)
            {
                actual.Skip(b * 768).Take(768).Should().Equal(Expected(dataset.Files[order[b]]).Select(v => (long)v), $"batch row {b} is sample {order[b]}");
            }
        }
    }

    [Fact]
    public void GetBatch_ZipWithTopFolder_EqualsTheFolder()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 6, 21, 19, classes: 2);
        string zip = _dir.File("data.zip");
        ZipFile.CreateFromDirectory(root, zip, CompressionLevel.Fastest, includeBaseDirectory: true);

        using var folder = StreamingImageFolder.Open(root, Transform);
        using var archive = StreamingImageFolder.Open(zip, Transform, new StreamingImageFolderOptions { DecodeThreads = 2 });

        archive.ClassNames.Should().Equal(folder.ClassNames);
        archive.Files[0].Should().Be($"{zip}!data/class0/00000.jpg");
        var (a, al) = folder.GetBatch([0, 1, 2, 3, 4, 5]);
        var (b, bl) = archive.GetBatch([0, 1, 2, 3, 4, 5]);
        using (a)
        using (al)
        using (b)
        using (bl)
        {
            Same(a, b).Should().BeTrue();
            Longs(bl).Should().Equal(Longs(al));
        }
    }

    [Fact]
    public void GetBatch_UndecodableWithSkip_ReportsOnceAndUsesTheNextImageOfItsClass()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 4, 20, 20);
        string broken = Path.Combine(root, "class0", "00000b.jpg");
        File.WriteAllText(broken, "not a JPEG");
        var logger = new ListLogger();
        using var dataset = StreamingImageFolder.Open(root, Transform, new StreamingImageFolderOptions { SkipUndecodable = true }, logger);
        dataset.Files[1].Should().Be(broken);

        for (int round = 0; round < 2; round++)
        {
            var (images, labels) = dataset.GetBatch([1, 1]);
            using (images)
            using (labels)
            {
                Longs(labels).Should().Equal(0, 0);
                Longs(images).Take(768).Should().Equal(Expected(dataset.Files[2]).Select(v => (long)v), "the next file of class0 stands in");
            }
        }

        dataset.Skipped.Should().ContainSingle().Which.Path.Should().Be(broken);
        dataset.Skipped[0].Reason.Should().StartWith("it is not an image SkiaSharp can decode");
        logger.Messages.Should().ContainSingle().Which.Should().Be($"Skipping image {broken} (sample 1): {dataset.Skipped[0].Reason}");
    }

    [Fact]
    public void GetBatch_UndecodableWithoutSkip_ThrowsNamingTheFileAndSample()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 2, 20, 20);
        string truncated = Path.Combine(root, "class1", "00001.jpg");
        byte[] bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);
        using var dataset = StreamingImageFolder.Open(root, Transform);

        var act = () => dataset.GetBatch([0, 1]);

        act.Should().Throw<InvalidDataException>().WithMessage($"Image '{truncated}' (sample 1) could not be loaded: it *");
    }

    [Fact]
    public void Open_MissingPath_ThrowsNamingIt()
    {
        string missing = _dir.File("nowhere");

        var act = () => StreamingImageFolder.Open(missing, Transform);

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"Image folder or zip archive '{missing}' does not exist.");
    }

    [Fact]
    public void Open_ZeroDecodeThreads_ThrowsNamingFieldAndValue()
    {
        var act = () => StreamingImageFolder.Open(_dir.Path, Transform, new StreamingImageFolderOptions { DecodeThreads = 0 });

        act.Should().Throw<OptionsValidationException>().WithMessage("*StreamingImageFolderOptions.DecodeThreads is 0 but must be in [1, 256]*");
    }

    [Fact]
    public void Epoch_InBatchLoader_GivesTheShuffledSamplesNormalised()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 10, 18, 24);
        using var dataset = StreamingImageFolder.Open(root, Transform);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, Seed = 3 }, Transform.TensorTransforms);
        int[] order = [.. loader.GetEpochOrder(0)];

        var seen = new List<long>();
        int offset = 0;
        foreach (Batch batch in loader.Epoch(0))
        {
            int count = (int)batch.Labels.shape[0];
            seen.AddRange(Longs(batch.Labels));
            using var first = Transform.Apply(dataset.Files[order[offset]]);
            Floats(batch.Images[0]).Should().Equal(Floats(first), "the loader's uint8 -> float / 255 and Normalize are the transform's own tensor stage");
            offset += count;
        }

        seen.Should().Equal(order.Select(i => (long)dataset.GetLabel(i)));
    }

    private static byte[] Expected(string file)
    {
        byte[] expected = new byte[768];
        using var stream = File.OpenRead(file);
        Transform.ResizeInto(stream, file, expected);
        return expected;
    }

    /// <summary>Collects formatted log messages.</summary>
    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add(formatter(state, exception));
            }
        }
    }
}
