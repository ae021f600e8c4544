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
        SamplePresets.Default.Name.Should().Be("fashion_small");
        SamplePresets.Names.Should().Contain(VisionTransformerOptions.PresetNames).And.OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData("cifar100_patch16_32", 16, 32)]
    [InlineData("cifar100_patch8_32", 8, 32)]
    [InlineData("cifar100_patch4_32", 4, 28)]
    [InlineData("vit_tiny_patch16_224", 16, 32)]
    public void ModelFor_CorePreset_AdaptsChannelsClassesAndInputSize(string name, int patch, int input)
    {
        var preset = SamplePresets.Find(name)!;

        var model = preset.ModelFor(preset.Defaults);

        (model.PatchSize, model.ImageSize, model.InChannels, model.NumClasses).Should().Be((patch, input, 1, 10));
        var core = VisionTransformerOptions.FromPreset(name);
        (model.EmbedDim, model.Depth, model.NumHeads, model.MlpRatio, model.Pooling).Should().Be((core.EmbedDim, core.Depth, core.NumHeads, core.MlpRatio, core.Pooling));
        new VisionTransformerOptionsValidator().Validate(null, model).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void ModelFor_Default_Is891242ParametersOn28PixelImages()
    {
        var model = SamplePresets.Default.ModelFor(SamplePresets.Default.Defaults);
        (model.ImageSize, model.PatchSize, model.GridSize, model.Pooling, model.StemProjection).Should().Be((28, 1, 4, Pooling.Mean, false));
        model.StemChannels.Should().Equal(32, 64, 128);
        // Stem: 3x3 convolutions 1->32 and 32->64 without bias, each with BatchNorm (2 x channels), 64->128 with a bias and
        // no norm (its 128 channels are the tokens: no projection); 16x128 positions, 6 blocks of (qkv 3x(128x128+128),
        // proj 128x128+128, fc1 128x256+256, fc2 256x128+128, two norms 4x128), fc_norm 2x128, head 128x10+10.
        int stem = (32 * 9) + (2 * 32) + (64 * 32 * 9) + (2 * 64) + (128 * 64 * 9) + 128;
        int block = (3 * ((128 * 128) + 128)) + ((128 * 128) + 128) + ((128 * 256) + 256) + ((256 * 128) + 128) + (4 * 128);
        int expected = stem + (16 * 128) + (6 * block) + (2 * 128) + (128 * 10) + 10;
        using var vit = new VisionTransformer(model);
        vit.parameters().Sum(p => p.numel()).Should().Be(expected).And.Be(891_242);
    }

    [Fact]
    public void Find_Default_NineEpochsWithoutRegularisersEvaluatedOnceAtTheEnd()
    {
        var defaults = SamplePresets.Find("fashion_small")!.Defaults;

        (defaults.Epochs, defaults.BatchSize, defaults.LearningRate, defaults.EmaDecay, defaults.EvaluateEveryEpochs).Should().Be((9, 256, 3e-3, 0.0, 0));
        (defaults.HideProbability, defaults.TranslatePixels, defaults.WeightDecay, defaults.WarmupEpochs, defaults.LabelSmoothing).Should().Be((0.0, 0, 0.05, 1.0, 0.0));
        SamplePresets.Find("fashion_full")!.Defaults.Should().Be(
            defaults with
            {
                Preset = "fashion_full", Epochs = 45, HideProbability = 0.15, LabelSmoothing = 0.1, DropPathRate = 0.2, EraseProbability = 0.5, EmaDecay = 0.998,
            });
    }

    [Fact]
    public void Find_NotebookPreset_UsesTheNotebookRecipe()
    {
        var defaults = SamplePresets.Find("CIFAR100_PATCH4_32")!.Defaults;

        (defaults.Preset, defaults.LearningRate, defaults.WeightDecay, defaults.BatchSize, defaults.Accumulation).Should().Be(("cifar100_patch4_32", 3e-3, 0.3, 2048, 16));
        (defaults.Epochs, defaults.WarmupEpochs, defaults.HideProbability, defaults.TranslatePixels, defaults.EmaDecay, defaults.EvaluateEveryEpochs).Should().Be((100, 5.0, 0.5, 2, 0.0, 1));
    }

    [Fact]
    public void ModelFor_Settings_ChangeTheArchitectureAndPadTheInputToThePatch()
    {
        var preset = SamplePresets.Default;
        var settings = preset.Defaults with { Width = 96, Depth = 3, Heads = 2, MlpRatio = 3, PatchSize = 8, DropPathRate = 0.1, StemChannels = null };

        var model = preset.ModelFor(settings);

        (model.EmbedDim, model.Depth, model.NumHeads, model.MlpRatio, model.PatchSize, model.ImageSize, model.DropPathRate).Should().Be((96, 3, 2, 3.0, 8, 32, 0.1));
        (model.InChannels, model.NumClasses, model.Pooling).Should().Be((1, 10, Pooling.Mean));
        preset.Architecture.EmbedDim.Should().NotBe(96, "the preset's own options are not changed");
    }

    [Theory]
    [InlineData("16,32", null, 2, 29, 8, true)]
    [InlineData("16,32,64", null, 2, 28, 4, true)]
    [InlineData("16,32,128", "1,2,2", 1, 28, 7, false)]
    public void ModelFor_Stem_PadsTheInputSoThePatchesTileTheStemsMap(string channels, string? strides, int patch, int image, int feature, bool projection)
    {
        var preset = SamplePresets.Default;

        var model = preset.ModelFor(preset.Defaults with { StemChannels = channels, StemStrides = strides, PatchSize = patch });

        (model.ImageSize, model.StemOutputSide(model.ImageSize), model.GridSize, model.StemProjection).Should().Be((image, feature, feature / patch, projection));
        new VisionTransformerOptionsValidator().Validate(null, model).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Find_Full_NeedsTheFullSetAndTheDefaultDoesNot()
    {
        var full = SamplePresets.Find("FASHION_FULL")!;
        var defaultModel = SamplePresets.Default.ModelFor(SamplePresets.Default.Defaults);
        defaultModel.DropPathRate = 0.2;

        (full.Name, full.NeedsFullSet, SamplePresets.Default.NeedsFullSet).Should().Be(("fashion_full", true, false));
        full.ModelFor(full.Defaults).Should().BeEquivalentTo(defaultModel, "the full preset is the default's model with drop-path 0.2");
    }

    [Fact]
    public void Find_UnknownName_ReturnsNull() => SamplePresets.Find("vit_huge").Should().BeNull();
}
