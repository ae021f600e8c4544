using FluentAssertions;
using Microsoft.Extensions.Options;
using Vit.Core;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

/// <summary>The eval transform against timm's (Pillow + torchvision) and against ImageClassifier's arithmetic.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class EvalTransformTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public static TheoryData<string> Configs => [.. EvalFixtures.Configs.Select(c => c.Name)];

    public static IEnumerable<object[]> JpegCases =>
        from image in new[] { "photo_61x45.jpg", "photo_40x72.jpg", "gray_33x30.jpg" } from c in EvalFixtures.Configs select new object[] { image, c.Name };

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Configs))]
    public void ResizeInto_Png_EqualsPillowsResizeAndCenterCropExactly(string config)
    {
        var transform = new EvalTransform(EvalFixtures.Options(config));

        byte[] actual = Resize(transform, "photo_50x37.png");

        actual.Should().Equal(EvalFixtures.Expected("photo_50x37.png", config));
    }

    [Theory]
    [MemberData(nameof(JpegCases))]
    public void ResizeInto_Jpeg_EqualsPillowsDecodeResizeAndCenterCropExactly(string image, string config)
    {
        var transform = new EvalTransform(EvalFixtures.Options(config));

        byte[] actual = Resize(transform, image);

        // SkiaSharp 2.88 and Pillow 9.4 both decode with libjpeg-turbo's defaults (islow IDCT, fancy upsampling).
        actual.Should().Equal(EvalFixtures.Expected(image, config));
    }

    [Theory]
    [InlineData("photo_61x45.jpg", 61, 45)]
    [InlineData("photo_40x72.jpg", 40, 72)]
    [InlineData("gray_33x30.jpg", 33, 30)]
    public void Decode_Jpeg_EqualsPillowsDecodedRgbExactly(string image, int width, int height)
    {
        using var stream = File.OpenRead(EvalFixtures.ImagePath(image));

        var decoded = Vit.Imaging.SkiaPlanarDecoder.Decode(stream, image, 3);

        (decoded.Width, decoded.Height).Should().Be((width, height));
        byte[] interleaved = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                interleaved[(3 * p) + c] = decoded.Planes[c][p];
            }
        }

        interleaved.Should().Equal(EvalFixtures.DecodedRgb(image));
    }

    [Fact]
    public void Apply_Png_EqualsImageClassifiersArithmeticBitForBit()
    {
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var options = EvalFixtures.Options("rgb_bicubic_32_0.875");
        (options.Mean, options.Std) = (mean, std);
        var transform = new EvalTransform(options);

        using var actual = transform.Apply(EvalFixtures.ImagePath("photo_50x37.png"));

        // Vit.Inference's ImagePreprocessor writes ((v / 255f) - mean) / std per pixel, in float32.
        byte[] pixels = EvalFixtures.Expected("photo_50x37.png", "rgb_bicubic_32_0.875");
        float[] expected = [.. pixels.Select((v, i) => ((v / 255f) - mean[i / 1024]) / std[i / 1024])];
        actual.shape.Should().Equal(3, 32, 32);
        Floats(actual).Should().Equal(expected);
    }

    [Fact]
    public void Constructor_CropPctAboveOne_ThrowsNamingFieldAndValue()
    {
        var act = () => new EvalTransform(new EvalTransformOptions { CropPct = 1.2 });

        act.Should().Throw<OptionsValidationException>().WithMessage("*EvalTransformOptions.CropPct is 1.2 but must be in (0, 1]*");
    }

    [Fact]
    public void Constructor_CropPctZero_ThrowsNamingFieldAndValue()
    {
        var act = () => new EvalTransform(new EvalTransformOptions { CropPct = 0 });

        act.Should().Throw<OptionsValidationException>().WithMessage("*EvalTransformOptions.CropPct is 0 but must be in (0, 1]*");
    }

    [Fact]
    public void Constructor_MeanForOtherChannels_ThrowsNamingBoth()
    {
        var act = () => new EvalTransform(new EvalTransformOptions { Channels = 1, Mean = [0.5f, 0.5f, 0.5f] });

        act.Should().Throw<OptionsValidationException>().WithMessage("*EvalTransformOptions.Mean has 3 values and Channels is 1, but there must be one value per channel*");
    }

    [Fact]
    public void FromPretrained_FolderSavedWithToPretrainedMetadata_RebuildsTheSameTransform()
    {
        var saved = new EvalTransform(new EvalTransformOptions
        {
            ImageSize = 32, CropPct = 0.875, Interpolation = ResizeInterpolation.Bilinear, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
        });
        using (var model = TinyModel())
        {
            model.SavePretrained(_dir.Path, saved.ToPretrainedMetadata(["cat", "dog"]));
        }

        var loaded = EvalTransform.FromPretrained(_dir.Path).Options;

        (loaded.ImageSize, loaded.Channels, loaded.CropPct, loaded.Interpolation).Should().Be((32, 3, 0.875, ResizeInterpolation.Bilinear));
        loaded.Mean.Should().Equal(0.485f, 0.456f, 0.406f);
        loaded.Std.Should().Equal(0.229f, 0.224f, 0.225f);
        VisionTransformer.ReadPretrainedMetadata(_dir.Path).ClassNames.Should().Equal("cat", "dog");
    }

    [Fact]
    public void FromPretrained_CropPctAboveOne_ThrowsNamingFileAndValue()
    {
        using (var model = TinyModel())
        {
            model.SavePretrained(_dir.Path, new PretrainedMetadata { CropPct = 1.25 });
        }

        var act = () => EvalTransform.FromPretrained(_dir.Path);

        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{Path.Combine(_dir.Path, "config.json")}': pretrained_cfg.crop_pct is 1.25, but EvalTransform needs a value in (0, 1]*");
    }

    [Fact]
    public void Apply_NotAnImage_ThrowsNamingTheFile()
    {
        string path = _dir.File("notes.jpg");
        File.WriteAllText(path, "not a JPEG");

        var act = () => new EvalTransform().Apply(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is not an image SkiaSharp can decode*");
    }

    private static VisionTransformer TinyModel() => new(new VisionTransformerOptions
    {
        ImageSize = 32, PatchSize = 8, InChannels = 3, NumClasses = 2, EmbedDim = 16, Depth = 1, NumHeads = 2,
    });

    private static byte[] Resize(EvalTransform transform, string image)
    {
        byte[] actual = new byte[transform.Channels * transform.ImageSize * transform.ImageSize];
        using var stream = File.OpenRead(EvalFixtures.ImagePath(image));
        transform.ResizeInto(stream, image, actual);
        return actual;
    }
}
