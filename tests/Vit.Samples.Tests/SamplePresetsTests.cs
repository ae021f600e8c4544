using FluentAssertions;
using Vit.Core;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
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
    public void Find_Default_Is804874ParametersOn28PixelImages()
    {
        var preset = SamplePresets.Find("fashion_small", channels: 1, imageSize: 28, classes: 10)!;
        (preset.Model.ImageSize, preset.Model.PatchSize, preset.Model.GridSize).Should().Be((28, 7, 4));
        // 16x128 patch projection + 128, 16x128 positions, 6 blocks of (qkv 3x(128x128+128), proj 128x128+128,
        // fc1 128x256+256, fc2 256x128+128, two norms 4x128), fc_norm 2x128, head 128x10+10.
        int block = (3 * ((128 * 128) + 128)) + ((128 * 128) + 128) + ((128 * 256) + 256) + ((256 * 128) + 128) + (4 * 128);
        int expected = (49 * 128) + 128 + (16 * 128) + (6 * block) + (2 * 128) + (128 * 10) + 10;
        using var model = new VisionTransformer(preset.Model);
        model.parameters().Sum(p => p.numel()).Should().Be(expected).And.Be(804_874);
    }

    [Fact]
    public void Find_Default_NineEpochsWithoutRegularisersEvaluatedOnceAtTheEnd()
    {
        var recipe = SamplePresets.Find("fashion_small", 1, 28, 10)!.Recipe;

        (recipe.Epochs, recipe.BatchSize, recipe.EmaDecay, recipe.EvaluateEveryEpochs).Should().Be((9, 256, (double?)null, (int?)null));
        (recipe.HideProbability, recipe.LabelSmoothing).Should().Be((0, 0));
        var full = SamplePresets.Find("fashion_full", 1, 28, 10)!.Recipe;
        (full.Epochs, full.HideProbability, full.LabelSmoothing, full.EmaDecay).Should().Be((35, 0.15, 0.1, (double?)0.998));
    }

    [Fact]
    public void Find_NotebookPreset_UsesTheNotebookRecipe()
    {
        var recipe = SamplePresets.Find("CIFAR100_PATCH4_32", 1, 28, 10)!.Recipe;
        (recipe.LearningRate, recipe.WeightDecay, recipe.BatchSize, recipe.Accumulation).Should().Be((3e-3, 0.3, 2048, 16));
    }

    [Fact]
    public void Complete_UnsetFields_TakeThePresetsValues()
    {
        var preset = SamplePresets.Find("fashion_small", 1, 28, 10)!;
        var old = new RunSettings { Preset = "fashion_small", Epochs = 3, BatchSize = 64, Accumulation = 1, LearningRate = 1e-3, HideProbability = 0.1, Seed = 0 };

        var completed = preset.Complete(old);

        (completed.WeightDecay, completed.WarmupEpochs, completed.LabelSmoothing, completed.DropPathRate).Should()
            .Be((preset.Recipe.WeightDecay, preset.Recipe.WarmupEpochs, preset.Recipe.LabelSmoothing, preset.Recipe.DropPathRate));
        // The default evaluates the test images once, after the last of the run's 3 epochs.
        (completed.EmaDecay, completed.EvaluateEveryEpochs, completed.ValidationFraction).Should().Be((0, 3, 0));
        (completed.Width, completed.Depth, completed.Heads, completed.MlpRatio, completed.PatchSize).Should()
            .Be((preset.Model.EmbedDim, preset.Model.Depth, preset.Model.NumHeads, preset.Model.MlpRatio, preset.Model.PatchSize));
        completed.Epochs.Should().Be(3);
    }

    [Fact]
    public void ModelFor_Overrides_ChangeTheArchitectureAndPadTheInputToThePatch()
    {
        var preset = SamplePresets.Find("fashion_small", 1, 28, 10)!;
        var settings = preset.Complete(new RunSettings
        {
            Preset = "fashion_small", Epochs = 1, BatchSize = 64, Accumulation = 1, LearningRate = 1e-3, HideProbability = 0, Seed = 0,
            Width = 96, Depth = 3, Heads = 2, MlpRatio = 3, PatchSize = 8, DropPathRate = 0.1,
        });

        var model = preset.ModelFor(settings, dataImageSize: 28);

        (model.EmbedDim, model.Depth, model.NumHeads, model.MlpRatio, model.PatchSize, model.ImageSize, model.DropPathRate).Should().Be((96, 3, 2, 3.0, 8, 32, 0.1));
        (model.InChannels, model.NumClasses, model.Pooling).Should().Be((1, 10, preset.Model.Pooling));
        preset.Model.EmbedDim.Should().NotBe(96, "the preset's own options are not changed");
    }

    [Fact]
    public void Find_Full_NeedsTheFullSetAndTheDefaultDoesNot()
    {
        var full = SamplePresets.Find("FASHION_FULL", 1, 28, 10)!;
        var small = SamplePresets.Find(SamplePresets.DefaultName, 1, 28, 10)!;

        (full.Name, full.NeedsFullSet, small.NeedsFullSet).Should().Be(("fashion_full", true, false));
        new VisionTransformerOptionsValidator().Validate(null, full.Model).Succeeded.Should().BeTrue();
        (full.Model.InChannels, full.Model.NumClasses, full.Model.ImageSize % full.Model.PatchSize).Should().Be((1, 10, 0));
        SamplePresets.Names.Should().Contain("fashion_full");
    }

    [Fact]
    public void Complete_Translation_ComesFromTheRecipeUnlessSet()
    {
        var preset = SamplePresets.Find("cifar100_patch4_32", 1, 28, 10)!;
        var old = new RunSettings { Preset = "cifar100_patch4_32", Epochs = 3, BatchSize = 64, Accumulation = 1, LearningRate = 1e-3, HideProbability = 0.1, Seed = 0 };

        preset.Complete(old).TranslatePixels.Should().Be(2, "the notebook recipe translates by 2 px");
        preset.Complete(old with { TranslatePixels = 0 }).TranslatePixels.Should().Be(0);
        SamplePresets.Find("fashion_small", 1, 28, 10)!.Complete(old with { Preset = "fashion_small" }).TranslatePixels.Should().Be(0);
    }

    [Fact]
    public void Find_UnknownName_ReturnsNull() => SamplePresets.Find("vit_huge", 1, 28, 10).Should().BeNull();
}
