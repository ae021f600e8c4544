using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>
/// The convolutional stem (timm's <c>HybridEmbed</c> around <c>ConvStem</c>): parity in train mode (BatchNorm batch
/// statistics, running statistics updated as PyTorch does), sizes, model folders and bad options. Eval-mode parity
/// and timm's keys are in the variant theories (cases conv_stem, conv_stem_noproj_gap).
/// </summary>
public sealed partial class VisionTransformerTests
{
    [Theory]
    [InlineData("conv_stem")]
    [InlineData("conv_stem_noproj_gap")]
    public void Forward_ConvStemInTrainMode_MatchesTimmWithBatchStatistics(string name)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(TimmFixtures.File(name, "model.safetensors"), TimmFixtures.Options(name));
        var expected = SafeTensors.Load(TimmFixtures.File(name, "expected.safetensors"));
        var runningMean = model.state_dict()["patch_embed.backbone.0.bn.running_mean"].clone();
        model.train();
        using var noGrad = torch.no_grad();

        var logits = model.forward(expected["input_0"]);

        double worst = TensorAssert.Close(logits, expected["train_logits_0"], atol: 1e-4, because: "train-mode logits");
        _output.WriteLine($"{name}: worst max abs diff {worst:E2}");
        logits.sub(expected["logits_0"]).abs().max().item<float>().Should().BeGreaterThan(1e-3f, "batch statistics differ from the running ones");
        var state = model.state_dict();
        state["patch_embed.backbone.0.bn.num_batches_tracked"].item<long>().Should().Be(8, "timm's fixture tracked 7 batches");
        state["patch_embed.backbone.0.bn.running_mean"].equal(runningMean).all().item<bool>().Should().BeFalse("a training forward moves the running mean");
    }

    [Theory]
    [InlineData(28, new[] { 32, 64, 128 }, null, 1, 4)]
    [InlineData(28, new[] { 16, 32, 64, 128 }, new[] { 1, 2, 2, 2 }, 1, 4)]
    [InlineData(224, new[] { 24, 48, 96, 192 }, null, 1, 14)]
    [InlineData(32, new[] { 16, 32, 48 }, null, 2, 2)]
    public void Constructor_ConvStem_HasTheGridOfTheStemsFeatureMap(int image, int[] channels, int[]? strides, int patch, int grid)
    {
        var options = new VisionTransformerOptions
        {
            ImageSize = image, PatchSize = patch, InChannels = 1, EmbedDim = 32, Depth = 1, NumHeads = 2, NumClasses = 3,
            StemChannels = channels, StemStrides = strides,
        };
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(options);

        options.GridSize.Should().Be(grid);
        model.ForwardFeatures(torch.randn(2, 1, image, image)).shape.Should().Equal(2, 1 + (grid * grid), 32);
        model.state_dict().Keys.Should().Contain([$"patch_embed.backbone.{channels.Length - 1}.conv.bias", "patch_embed.backbone.0.bn.running_var", "patch_embed.proj.weight"]);
        model.state_dict().Keys.Should().NotContain($"patch_embed.backbone.{channels.Length - 1}.bn.weight", "the last stem convolution has no norm");
    }

    [Fact]
    public void FromPretrained_ConvStemFolder_GivesTheSameOptionsBuffersAndLogits()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = TimmFixtures.Load("conv_stem_noproj_gap");

        model.SavePretrained(folder.Path);
        using var loaded = VisionTransformer.FromPretrained(folder.Path);

        loaded.Options.Should().BeEquivalentTo(TimmFixtures.Options("conv_stem_noproj_gap"));
        var expected = model.state_dict();
        loaded.state_dict().Should().AllSatisfy(kv => kv.Value.equal(expected[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key));
        loaded.state_dict()["patch_embed.backbone.1.bn.num_batches_tracked"].item<long>().Should().Be(7);
        var input = SafeTensors.Load(TimmFixtures.File("conv_stem_noproj_gap", "expected.safetensors"))["input_0"];
        using var noGrad = torch.no_grad();
        loaded.forward(input).equal(model.forward(input)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Forward_ConvStemUnderBFloat16Autocast_StaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var model = TimmFixtures.Load("conv_stem");
        var input = SafeTensors.Load(TimmFixtures.File("conv_stem", "expected.safetensors"))["input_0"];
        using var noGrad = torch.no_grad();
        var fp32 = model.forward(input);

        Tensor bf16;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            bf16 = model.forward(input);
        }

        bf16.dtype.Should().Be(ScalarType.Float32);
        bf16.sub(fp32).abs().max().item<float>().Should().BeInRange(1e-6f, 0.05f, "bf16 matrix products move the logits a little, not much");
    }

    [Theory]
    [InlineData(new[] { 16, 32 }, new[] { 2 }, null, true, 1, 28, "VisionTransformerOptions.StemStrides is [2] (1 values) but StemChannels has 2: one per stem convolution")]
    [InlineData(new[] { 16, 0 }, null, null, true, 1, 28, "VisionTransformerOptions.StemChannels is [16, 0] but every value must be at least 1")]
    [InlineData(new[] { 16, 32 }, null, null, false, 1, 28, "VisionTransformerOptions.StemProjection is false with PatchSize 1 and a last stem width of 32, but without the projection the stem's features are the tokens: PatchSize must be 1 and the last of StemChannels must equal EmbedDim (64)")]
    [InlineData(new[] { 16, 32 }, null, null, true, 2, 28, "VisionTransformerOptions.ImageSize is 28, PatchSize 2 and the stem makes a 7x7 feature map of it, but the feature map's side must be a positive multiple of PatchSize")]
    [InlineData(null, new[] { 2, 2 }, null, true, 4, 32, "VisionTransformerOptions.StemStrides is [2, 2] but StemChannels is null: a stem needs its channels")]
    [InlineData(null, null, new[] { 3 }, true, 4, 32, "VisionTransformerOptions.StemKernelSizes is [3] but StemChannels is null: a stem needs its channels")]
    public void Validate_BadConvStem_NamesTheFieldsAndValues(int[]? channels, int[]? strides, int[]? kernels, bool projection, int patch, int image, string message)
    {
        var options = new VisionTransformerOptions
        {
            ImageSize = image, PatchSize = patch, EmbedDim = 64, NumHeads = 4,
            StemChannels = channels, StemStrides = strides, StemKernelSizes = kernels, StemProjection = projection,
        };

        var result = new VisionTransformerOptionsValidator().Validate(null, options);

        result.Failures.Should().Equal(message);
        FluentActions.Invoking(() => new VisionTransformer(options)).Should().Throw<OptionsValidationException>().WithMessage($"*{message}*");
    }
}
