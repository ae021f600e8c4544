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
}
