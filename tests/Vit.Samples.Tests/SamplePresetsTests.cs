using FluentAssertions;
using Vit.Core;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class SamplePresetsTests
{
    [Fact]
    public void Names_StartWithTheDefaultAndHoldEveryCorePreset()
    {
        SamplePresets.Names[0].Should().Be(SamplePresets.DefaultName);
        SamplePresets.Names.Should().Contain(VisionTransformerOptions.PresetNames);
    }

    [Theory]
    [InlineData("cifar100_patch16_32", 16, 32)]
    [InlineData("cifar100_patch8_32", 8, 32)]
    [InlineData("cifar100_patch4_32", 4, 28)]
    [InlineData("vit_tiny_patch16_224", 16, 32)]
    public void Find_CorePreset_AdaptsChannelsClassesAndInputSize(string name, int patch, int input)
    {
        var preset = SamplePresets.Find(name, channels: 1, imageSize: 28, classes: 10)!;
        preset.Model.PatchSize.Should().Be(patch);
        preset.Model.ImageSize.Should().Be(input);
        preset.Model.InChannels.Should().Be(1);
        preset.Model.NumClasses.Should().Be(10);
        new VisionTransformerOptionsValidator().Validate(null, preset.Model).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Find_NotebookPreset_UsesTheNotebookRecipe()
    {
        var recipe = SamplePresets.Find("CIFAR100_PATCH4_32", 1, 28, 10)!.Recipe;
        (recipe.LearningRate, recipe.WeightDecay, recipe.BatchSize, recipe.Accumulation).Should().Be((3e-3, 0.3, 2048, 16));
    }

    [Fact]
    public void Find_UnknownName_ReturnsNull() => SamplePresets.Find("vit_huge", 1, 28, 10).Should().BeNull();
}
