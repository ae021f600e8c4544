using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class TrainTransformTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Constructor_Defaults_CropFlipNormaliseAsTimmsCreateTransform()
    {
        var train = new TrainTransform();

        train.TensorTransforms.Select(t => t.GetType()).Should().Equal(typeof(RandomResizedCrop), typeof(RandomHorizontalFlip), typeof(Normalize));
        var crop = (RandomResizedCrop)train.TensorTransforms[0];
        (crop.Height, crop.Width, crop.MinScale, crop.MaxScale, crop.MinRatio, crop.MaxRatio).Should().Be((224, 224, 0.08, 1.0, 0.75, 4.0 / 3.0));
        train.BatchTransform.Should().BeNull();
        var decode = train.Decode.Options;
        (decode.ImageSize, decode.CropPct, decode.Interpolation).Should().Be((224, 1.0, Vit.Core.ResizeInterpolation.Bicubic));
    }

    [Fact]
    public void Constructor_EveryAugmentation_InTimmsOrderWithTheMeanAsFill()
    {
        var train = new TrainTransform(new TrainTransformOptions
        {
            ImageSize = 32, LoadSize = 40, RandAugment = "rand-m9-mstd0.5-inc1", RandomErasing = 0.25, RandomErasingMode = RandomErasingMode.Pixel,
            Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f], Mixup = new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1.0, NumClasses = 5 },
        });

        train.TensorTransforms.Select(t => t.GetType()).Should().Equal(
            typeof(RandomResizedCrop), typeof(RandomHorizontalFlip), typeof(RandAugment), typeof(Normalize), typeof(RandomErasing));
        ((RandAugment)train.TensorTransforms[2]).FillValue.Should().Equal(0.485f, 0.456f, 0.406f);
        ((RandAugment)train.TensorTransforms[2]).Magnitude.Should().Be(9);
        ((Normalize)train.TensorTransforms[3]).Std.Should().Equal(0.229f, 0.224f, 0.225f);
        train.BatchTransform.Should().NotBeNull();
        train.Decode.ImageSize.Should().Be(40);
    }

    [Fact]
    public void Constructor_MinScaleAboveMaxScale_ThrowsNamingBoth()
    {
        var act = () => new TrainTransform(new TrainTransformOptions { MinScale = 0.9, MaxScale = 0.5 });

        act.Should().Throw<OptionsValidationException>().WithMessage("*TrainTransformOptions.MinScale is 0.9 and MaxScale is 0.5, but MinScale must not exceed MaxScale*");
    }

    [Fact]
    public void Constructor_BadRandAugmentString_ThrowsNamingIt()
    {
        var act = () => new TrainTransform(new TrainTransformOptions { RandAugment = "augmix-m5" });

        act.Should().Throw<OptionsValidationException>().WithMessage("*TrainTransformOptions.RandAugment is \"augmix-m5\", but it is not a RandAugment string timm accepts*");
    }

    [Fact]
    public void Epoch_StreamingFolderThroughTrainTransform_GivesNormalisedCropsOfTheImageSize()
    {
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, 6, 30, 22);
        var train = new TrainTransform(new TrainTransformOptions { ImageSize = 16, LoadSize = 24, RandAugment = "rand-m9-n2-mstd0.5", RandomErasing = 0.5 });
        using var dataset = StreamingImageFolder.Open(root, train.Decode);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 3, Seed = 1 }, train.TensorTransforms);

        var shapes = new List<long[]>();
        foreach (Batch batch in loader.Epoch(0))
        {
            shapes.Add(batch.Images.shape);
            batch.Images.min().item<float>().Should().BeGreaterThanOrEqualTo(-1f - 1e-6f, "pixels in [0, 1] normalised with 0.5 / 0.5 (erased boxes hold 0)");
            batch.Images.max().item<float>().Should().BeLessThanOrEqualTo(1f + 1e-6f);
        }

        shapes.Should().HaveCount(2).And.AllSatisfy(s => s.Should().Equal(3, 3, 16, 16));
    }
}
