using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class PerSampleTransformTests
{
    [Fact]
    public void Call_SingleImageTransform_AppliedToEachImage()
    {
        using var images = RandomImages(1, 3, 1, 4, 6);
        var wrapped = new PerSampleTransform(torchvision.transforms.HorizontalFlip());
        using var output = wrapped.call(images);
        Same(output, images.flip(3)).Should().BeTrue();
    }

    [Fact]
    public void Apply_RandomInner_DrawsFromGivenGenerator()
    {
        using var images = RandomImages(2, 6, 1, 8, 8);
        using var inner = new HideAndSeek(new HideAndSeekOptions { GridSizes = [2] });
        var wrapped = new PerSampleTransform(inner);
        using var g1 = new Generator(3, CPU);
        using var g2 = new Generator(3, CPU);
        using var a = wrapped.Apply(images, g1);
        using var b = wrapped.Apply(images, g2);
        Same(a, b).Should().BeTrue();
    }

    [Fact]
    public void Apply_RandomInnerWithStreams_SameAsTheInnerOnTheWholeBatch()
    {
        // Image b gets stream b, so running the inner transform image by image equals running it on the batch.
        using var images = RandomImages(3, 6, 1, 8, 8);
        using var inner = new HideAndSeek(new HideAndSeekOptions { GridSizes = [2], Seed = 1 });
        var wrapped = new PerSampleTransform(inner);
        var streams = SampleStreams.ForSamples(5, 1, 0, [4, 8, 15, 16, 23, 42]);
        using var perImage = wrapped.Apply(images, streams);
        using var whole = inner.Apply(images, streams);
        Same(perImage, whole).Should().BeTrue();
        Same(perImage, images).Should().BeFalse();
        var act = () => wrapped.Apply(images, streams.Slice(0, 5));
        act.Should().Throw<ArgumentException>().WithMessage("PerSampleTransform got 5 sample streams for 6 images; pass one stream per image.*");
    }
}
