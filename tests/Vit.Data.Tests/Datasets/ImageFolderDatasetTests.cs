using FluentAssertions;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class ImageFolderDatasetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes an image whose pixel (x, y) is <paramref name="color"/>(x, y), encoded as PNG or JPEG.</summary>
    private string WriteImage(string relative, int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        string path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        using var data = bitmap.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static SKColor Pattern(int x, int y, byte tag) => new((byte)(tag + x), (byte)(tag + (10 * y)), (byte)(200 - x - y));

    [Fact]
    public void Load_PngClasses_ExactPlanarPixelsLabelsAndNames()
    {
        WriteImage("dogs/b.png", 4, 3, (x, y) => Pattern(x, y, 50));
        WriteImage("dogs/nested/c.png", 4, 3, (x, y) => Pattern(x, y, 70));
        WriteImage("cats/a.png", 4, 3, (x, y) => Pattern(x, y, 30));
        File.WriteAllText(Path.Combine(_dir.Path, "cats", "notes.txt"), "not an image");

        using var dataset = ImageFolderDataset.Load(_dir.Path);
        dataset.ClassNames.Should().Equal("cats", "dogs");
        dataset.Count.Should().Be(3);
        (dataset.Channels, dataset.Height, dataset.Width).Should().Be((3, 3, 4));
        Enumerable.Range(0, 3).Select(dataset.GetLabel).Should().Equal(0, 1, 1);
        dataset.Files.Select(Path.GetFileName).Should().Equal("a.png", "b.png", "c.png");

        var (images, _) = dataset.GetBatch([1]);
        using (images)
        {
            long[] pixels = Longs(images);
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 4; x++)
                {
                    var expected = Pattern(x, y, 50);
                    int p = (y * 4) + x;
                    (pixels[p], pixels[12 + p], pixels[24 + p]).Should().Be((expected.Red, expected.Green, expected.Blue));
                }
            }
        }
    }

    [Fact]
    public void Load_OneChannel_Bt601Luma()
    {
        // round(0.299·255) = 76, round(0.587·255) = 150, round(0.114·255) = 29, and gray stays gray.
        SKColor[] colors = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255), new(123, 123, 123)];
        WriteImage("c/x.png", 4, 1, (x, _) => colors[x]);
        using var dataset = ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Channels = 1 });
        var (images, _) = dataset.GetBatch([0]);
        using (images)
        {
            Longs(images).Should().Equal(76, 150, 29, 123);
        }
    }

    [Fact]
    public void Load_GrayscalePng_BecomesThreeEqualChannels()
    {
        string path = Path.Combine(_dir.Path, "g", "gray.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var gray = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Gray8, SKAlphaType.Opaque)))
        {
            gray.GetPixelSpan().Length.Should().Be(2);
            System.Runtime.InteropServices.Marshal.Copy(new byte[] { 17, 240 }, 0, gray.GetPixels(), 2);
            using var data = gray.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }

        using var dataset = ImageFolderDataset.Load(_dir.Path);
        var (images, _) = dataset.GetBatch([0]);
        using (images)
        {
            Longs(images).Should().Equal(17, 240, 17, 240, 17, 240);
        }
    }

    [Fact]
    public void Load_RgbaPng_DropsAlphaKeepsColour()
    {
        WriteImage("c/a.png", 1, 1, (_, _) => new SKColor(200, 100, 50, 128));
        using var dataset = ImageFolderDataset.Load(_dir.Path);
        var (images, _) = dataset.GetBatch([0]);
        using (images)
        {
            long[] rgb = Longs(images);
            rgb[0].Should().BeCloseTo(200, 1);
            rgb[1].Should().BeCloseTo(100, 1);
            rgb[2].Should().BeCloseTo(50, 1);
        }
    }

    [Fact]
    public void Load_JpegResized_ConstantColourKept()
    {
        WriteImage("c/photo.jpg", 16, 16, (_, _) => new SKColor(120, 60, 200), SKEncodedImageFormat.Jpeg);
        using var dataset = ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Height = 6, Width = 10 });
        (dataset.Height, dataset.Width).Should().Be((6, 10));
        var (images, _) = dataset.GetBatch([0]);
        using (images)
        {
            long[] pixels = Longs(images);
            pixels[..60].Should().OnlyContain(v => Math.Abs(v - 120) <= 3);
            pixels[60..120].Should().OnlyContain(v => Math.Abs(v - 60) <= 3);
            pixels[120..].Should().OnlyContain(v => Math.Abs(v - 200) <= 3);
        }
    }

    [Fact]
    public void Load_SizesDifferWithoutResize_NamesFile()
    {
        WriteImage("c/a.png", 4, 4, (_, _) => SKColors.Red);
        string odd = WriteImage("c/b.png", 5, 4, (_, _) => SKColors.Red);
        var act = () => ImageFolderDataset.Load(_dir.Path);
        act.Should().Throw<InvalidDataException>().WithMessage($"Image '{odd}' (sample 1) could not be loaded: its size 5x4 differs from the dataset's 4x4*");
    }

    [Fact]
    public void Load_EmptyClassFolder_NamesFolder()
    {
        WriteImage("a/x.png", 2, 2, (_, _) => SKColors.Red);
        string empty = Path.Combine(_dir.Path, "b");
        Directory.CreateDirectory(empty);
        var act = () => ImageFolderDataset.Load(_dir.Path);
        act.Should().Throw<InvalidDataException>().WithMessage($"Class folder '{empty}' holds no image*");
    }

    [Fact]
    public void Load_UndecodableImage_ThrowsOrIsSkippedAndReported()
    {
        WriteImage("a/good.png", 2, 2, (_, _) => SKColors.Red);
        string bad = Path.Combine(_dir.Path, "a", "bad.png");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5]);

        var strict = () => ImageFolderDataset.Load(_dir.Path);
        strict.Should().Throw<InvalidDataException>().WithMessage($"Image '{bad}' (sample 0) could not be loaded: SkiaSharp could not decode it*");

        using var lenient = ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { SkipUndecodable = true });
        lenient.Count.Should().Be(1);
        lenient.Skipped.Should().ContainSingle().Which.Path.Should().Be(bad);
        lenient.Files.Should().ContainSingle().Which.Should().EndWith("good.png");
    }

    [Fact]
    public void Load_MissingRootOrNoClasses_Throws()
    {
        string missing = Path.Combine(_dir.Path, "missing");
        var noRoot = () => ImageFolderDataset.Load(missing);
        noRoot.Should().Throw<DirectoryNotFoundException>().WithMessage($"Image folder '{missing}' does not exist.");
        var noClasses = () => ImageFolderDataset.Load(_dir.Path);
        noClasses.Should().Throw<InvalidDataException>().WithMessage($"Image folder '{_dir.Path}' has no class sub-folders*");
    }

    [Fact]
    public void Load_BadOptions_Throws()
    {
        var channels = () => ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Channels = 2 });
        var halfSize = () => ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Height = 4 });
        var zeroSize = () => ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Height = 0, Width = 8 });
        var noExtensions = () => ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Extensions = [] });
        channels.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("ImageFolderOptions.Channels is 2 but must be one of 1, 3");
        halfSize.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("ImageFolderOptions.Height is 4 and Width is null, but both must be set or both null");
        zeroSize.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("ImageFolderOptions.Height is 0 but must be null or at least 1");
        noExtensions.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("ImageFolderOptions.Extensions is [] but must have at least 1 item");
    }

    [Fact]
    public void Load_SymbolicLinkLoops_EachImageOnce()
    {
        WriteImage("cats/a.png", 4, 3, (x, y) => Pattern(x, y, 30));
        WriteImage("dogs/b.png", 4, 3, (x, y) => Pattern(x, y, 50));
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "cats", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "cats", "self"), ".");
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "dogs", "to-cats"), Path.Combine(_dir.Path, "cats"));
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "dogs", "again.png"), Path.Combine(_dir.Path, "dogs", "b.png"));

        using var dataset = ImageFolderDataset.Load(_dir.Path);

        dataset.Files.Select(f => Path.GetRelativePath(_dir.Path, f)).Should().Equal(Path.Combine("cats", "a.png"), Path.Combine("dogs", "again.png"));
        Enumerable.Range(0, 2).Select(dataset.GetLabel).Should().Equal(0, 1);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, "cut.png")]
    [InlineData(SKEncodedImageFormat.Jpeg, "cut.jpg")]
    public void Load_TruncatedImage_RejectedAsImageClassifierDoes(SKEncodedImageFormat format, string name)
    {
        WriteImage("cats/a.png", 8, 8, (x, y) => Pattern(x, y, 30));
        string cut = Path.Combine(_dir.Path, "cats", name);
        File.WriteAllBytes(cut, Vit.Fuzz.Images.Truncated(format));

        var strict = () => ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Height = 8, Width = 8 });
        using var lenient = ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Height = 8, Width = 8, SkipUndecodable = true });

        strict.Should().Throw<InvalidDataException>().WithMessage($"Image '{cut}' (sample 1) could not be loaded: the file could not be decoded: SkiaSharp reported IncompleteInput (the file is truncated).");
        lenient.Count.Should().Be(1);
        lenient.Skipped.Should().ContainSingle().Which.Path.Should().Be(cut);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_DecompressionBomb_RejectedFromItsHeader(bool sized)
    {
        WriteImage("cats/a.png", 8, 8, (x, y) => Pattern(x, y, 30));
        string bomb = Path.Combine(_dir.Path, "cats", "b.png");
        File.WriteAllBytes(bomb, Vit.Fuzz.Images.PngBomb(50000, 50000));

        var act = () => ImageFolderDataset.Load(_dir.Path, sized ? new ImageFolderOptions { Height = 8, Width = 8 } : null);

        act.Should().Throw<InvalidDataException>().WithMessage($"Image '{bomb}' (sample 1) could not be loaded: the file declares 50000x50000 pixels; Vit decodes images of at most 89478485 pixels (Pillow's MAX_IMAGE_PIXELS).");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    public void Load_SpecialFileNamedLikeAnImage_ReportedWithoutOpeningIt(string kind, string described)
    {
        WriteImage("cats/a.png", 8, 8, (x, y) => Pattern(x, y, 30));
        string special = Path.Combine(_dir.Path, "cats", "b.png");
        Vit.Fuzz.SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(special);

        var act = () => ImageFolderDataset.Load(_dir.Path, new ImageFolderOptions { Height = 8, Width = 8 });

        act.Should().Throw<InvalidDataException>().WithMessage($"Image '{special}' (sample 1) could not be loaded: '{special}' is {described}, not a regular file; Vit reads only regular files.");
    }
}
