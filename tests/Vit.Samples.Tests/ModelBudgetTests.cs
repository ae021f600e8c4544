using FluentAssertions;
using Vit.Core;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class ModelBudgetTests
{
    [Theory]
    [InlineData("fashion_small")]
    [InlineData("cifar100_patch4_32")]
    [InlineData("vit_tiny_patch16_224")]
    public void Parameters_Preset_IsWithinAPercentOfTheBuiltModel(string name)
    {
        var preset = SamplePresets.Find(name)!;
        var options = preset.ModelFor(preset.Defaults);
        using var model = new VisionTransformer(options);
        long built = model.parameters().Sum(p => p.numel());

        ModelBudget.Parameters(options).Should().BeApproximately(built, built * 0.01);
    }

    [Theory]
    [InlineData(128, 1_000_000, 2.0)]
    [InlineData(2147483647, 6, 2.0)]
    [InlineData(128, 6, 1e300)]
    public void ThrowIfTooLarge_BeyondTheParameterLimit_NamesTheLimit(int width, int depth, double mlpRatio)
    {
        var options = SmallWith(width, depth, mlpRatio);

        FluentActions.Invoking(() => ModelBudget.ThrowIfTooLarge(options, weightAverage: false, availableBytes: long.MaxValue)).ShouldFailWithUsage($"The model (stem 32-64-128, patch 1, {depth} blocks x {width} wide, MLP ratio *) would have about * parameters; the sample builds at most 1,000,000,000 (set --width, --depth, --mlp-ratio and --patch for a smaller one).");
    }

    [Fact]
    public void ThrowIfTooLarge_WeightsBeyondTheAvailableMemory_SaysHowMuchEachNeeds()
    {
        // 1,000 blocks of width 128: about 131 million parameters, 2.4 GiB with a weight average.
        var options = SmallWith(128, 1000, 2.0);

        FluentActions.Invoking(() => ModelBudget.ThrowIfTooLarge(options, weightAverage: true, availableBytes: 1L << 31)).ShouldFailWithUsage("The model (stem 32-64-128, patch 1, 1000 blocks x 128 wide, MLP ratio 2) would have about 1.33E+08 parameters: training it needs 2.5 GiB for weights, gradients and AdamW moments alone, more than the 2.0 GiB this process may use (set --width, --depth, --mlp-ratio and --patch for a smaller one).");
    }

    [Fact]
    public void ThrowIfTooLarge_DefaultModelOnThisMachine_Passes()
    {
        var options = SamplePresets.Default.ModelFor(SamplePresets.Default.Defaults);

        FluentActions.Invoking(() => ModelBudget.ThrowIfTooLarge(options, weightAverage: true)).Should().NotThrow();
    }

    private static VisionTransformerOptions SmallWith(int width, int depth, double mlpRatio)
    {
        var options = SamplePresets.Default.ModelFor(SamplePresets.Default.Defaults);
        options.EmbedDim = width;
        options.Depth = depth;
        options.MlpRatio = mlpRatio;
        options.NumHeads = 1;
        return options;
    }
}
