using FluentAssertions;
using Xunit;

namespace Vit.Core.Tests.Options;

public sealed class VisionTransformerOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreTheOriginNotebookModelWithTimmEpsilon()
    {
        var options = new VisionTransformerOptions();

        options.Should().BeEquivalentTo(new
        {
            ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 100, EmbedDim = 384, Depth = 6, NumHeads = 6,
            MlpRatio = 4.0, QkvBias = true, Pooling = Pooling.ClassToken, Dropout = 0.0, AttentionDropout = 0.0,
            DropPathRate = 0.0, LayerNormEpsilon = 1e-6, LayerScaleInit = (double?)null,
        });
        new VisionTransformerOptionsValidator().Failures(options).Should().BeEmpty();
    }

    [Theory]
    [InlineData("cifar100_patch16_32", 32, 16, 384, 6, 6, 100)]
    [InlineData("cifar100_patch8_32", 32, 8, 384, 6, 6, 100)]
    [InlineData("CIFAR100_PATCH4_32", 32, 4, 384, 6, 6, 100)]
    [InlineData("vit_tiny_patch16_224", 224, 16, 192, 12, 3, 1000)]
    [InlineData("vit_small_patch16_224", 224, 16, 384, 12, 6, 1000)]
    [InlineData("vit_base_patch16_224", 224, 16, 768, 12, 12, 1000)]
    public void FromPreset_KnownName_ReturnsThatConfiguration(string name, int image, int patch, int dim, int depth, int heads, int classes)
    {
        var options = VisionTransformerOptions.FromPreset(name);

        new[] { options.ImageSize, options.PatchSize, options.EmbedDim, options.Depth, options.NumHeads, options.NumClasses, options.InChannels }
            .Should().Equal(image, patch, dim, depth, heads, classes, 3);
        options.MlpRatio.Should().Be(4);
        options.Pooling.Should().Be(Pooling.ClassToken);
    }

    [Fact]
    public void FromPreset_UnknownName_ThrowsListingValidNames()
    {
        var act = () => VisionTransformerOptions.FromPreset("vit_huge");

        act.Should().Throw<ArgumentException>().WithMessage(
            "Unknown preset 'vit_huge'. Valid names: cifar100_patch16_32, cifar100_patch8_32, cifar100_patch4_32, " +
            "vit_tiny_patch16_224, vit_small_patch16_224, vit_base_patch16_224.*");
    }

    [Fact]
    public void Presets_EachAccess_ReturnsAFreshInstance()
    {
        var first = VisionTransformerOptions.VitBasePatch16;
        first.Depth = 1;

        VisionTransformerOptions.VitBasePatch16.Depth.Should().Be(12);
        VisionTransformerOptions.FromPreset("vit_base_patch16_224").Should().NotBeSameAs(VisionTransformerOptions.FromPreset("vit_base_patch16_224"));
    }

    [Fact]
    public void Clone_ChangingTheCopy_LeavesTheOriginal()
    {
        var original = new VisionTransformerOptions { Depth = 3 };
        var copy = original.Clone();
        copy.Depth = 9;

        original.Depth.Should().Be(3);
        copy.Should().BeEquivalentTo(original, o => o.Excluding(x => x.Depth));
    }

    [Fact]
    public void GridSizeAndMlpHiddenDim_FollowTimmArithmetic()
    {
        var options = new VisionTransformerOptions { ImageSize = 224, PatchSize = 16, EmbedDim = 100, MlpRatio = 2.5 };

        options.GridSize.Should().Be(14);
        options.MlpHiddenDim.Should().Be(250);
        new VisionTransformerOptions { EmbedDim = 7, MlpRatio = 1.5 }.MlpHiddenDim.Should().Be(10);
    }
}
