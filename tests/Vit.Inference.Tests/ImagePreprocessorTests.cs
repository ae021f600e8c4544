using FluentAssertions;
using Vit.Pretrained;
using Xunit;

namespace Vit.Inference.Tests;

/// <summary>The preprocessing equals timm's evaluation transform (torchvision + Pillow) pixel for pixel.</summary>
public sealed class ImagePreprocessorTests
{
    private static PretrainedPreprocessing Rgb => new()
    {
        InputSize = [3, 32, 32], Interpolation = "bicubic", CropPct = 0.875, CropMode = "center",
        Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225],
    };

    private static PretrainedPreprocessing Gray => new()
    {
        InputSize = [1, 32, 32], Interpolation = "bilinear", CropPct = 1.142857, CropMode = "center", Mean = [0.2860], Std = [0.3530],
    };

    public static IEnumerable<object[]> Images => TimmExpectations.ImageNames;

    [Theory]
    [MemberData(nameof(Images))]
    public void Prepare_Png_EqualsTimmsBicubicCenterCropTransform(string image)
    {
        var actual = Prepare(Rgb, image);

        MaxAbsDifference(actual, TimmExpectations.Input(image)).Should().BeLessThan(1e-6f);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Prepare_GrayscaleModel_EqualsTimmsTransformOfPillowsConvertL(string image)
    {
        var actual = Prepare(Gray, image);

        MaxAbsDifference(actual, TimmExpectations.GrayInput(image)).Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void Prepare_GrayscaleModelPadding_PadsBlackAroundTheResizedImage()
    {
        var actual = Prepare(Gray, "rgb_32x32.png");

        float black = (0f - 0.2860f) / 0.3530f;
        actual[..(2 * 32)].Should().AllSatisfy(v => v.Should().Be(black), "the top two rows are padding (28 px in 32)");
        actual[(30 * 32)..].Should().AllSatisfy(v => v.Should().Be(black), "the bottom two rows are padding");
    }

    [Fact]
    public void Prepare_NotAnImage_ThrowsNamingTheSource()
    {
        var preprocessor = new ImagePreprocessor(Rgb);
        using var stream = new MemoryStream("this is not a PNG"u8.ToArray());

        var act = () => preprocessor.Prepare(stream, "'notes.png'", new float[preprocessor.InputLength]);

        act.Should().Throw<InvalidDataException>().WithMessage("'notes.png' is not an image SkiaSharp can decode (PNG, JPEG, WebP, GIF or BMP expected), or it is damaged.");
    }

    [Fact]
    public void Prepare_TruncatedPng_ThrowsNamingTheSource()
    {
        var preprocessor = new ImagePreprocessor(Rgb);
        byte[] png = File.ReadAllBytes(TimmExpectations.ImagePath("rgba_64x48.png"));
        using var stream = new MemoryStream(png[..(png.Length / 2)]);

        var act = () => preprocessor.Prepare(stream, "'half.png'", new float[preprocessor.InputLength]);

        act.Should().Throw<InvalidDataException>().WithMessage("'half.png' *");
    }

    private static float[] Prepare(PretrainedPreprocessing config, string image)
    {
        var preprocessor = new ImagePreprocessor(config);
        var destination = new float[preprocessor.InputLength];
        using var stream = File.OpenRead(TimmExpectations.ImagePath(image));
        preprocessor.Prepare(stream, image, destination);
        return destination;
    }

    private static float MaxAbsDifference(float[] a, float[] b)
    {
        a.Length.Should().Be(b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }
}
