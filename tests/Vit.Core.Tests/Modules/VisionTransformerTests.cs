using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed partial class VisionTransformerTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private static VisionTransformerOptions Tiny(Pooling pooling = Pooling.ClassToken) => new()
    {
        ImageSize = 16, PatchSize = 4, InChannels = 3, NumClasses = 7, EmbedDim = 24, Depth = 2, NumHeads = 3, Pooling = pooling,
    };

    [Theory]
    [InlineData("cifar100_patch16_32", 10_983_652)]
    [InlineData("cifar100_patch8_32", 10_767_076)]
    [InlineData("cifar100_patch4_32", 10_730_212)]
    [InlineData("vit_tiny_patch16_224", 5_717_416)]
    [InlineData("vit_small_patch16_224", 22_050_664)]
    [InlineData("vit_base_patch16_224", 86_567_656)]
    public void Constructor_Preset_HasTimmsParameterCount(string preset, long expected)
    {
        // The meta device allocates no memory: counting ViT-B costs nothing.
        var previous = torch.get_default_device();
        torch.set_default_device(torch.META);
        try
        {
            using var model = new VisionTransformer(VisionTransformerOptions.FromPreset(preset));
            model.parameters().Sum(p => p.numel()).Should().Be(expected);
            model.parameters().Should().OnlyContain(p => p.device_type == DeviceType.META);
        }
        finally
        {
            torch.set_default_device(previous);
        }
    }

    [Theory]
    [InlineData("cls", Pooling.ClassToken)]
    [InlineData("avg", Pooling.Mean)]
    public void StateDict_KeysAndShapes_EqualTimmsStateDictInOrder(string name, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(FixtureOptions(pooling));
        var timm = SafeTensors.Load(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.weights.safetensors"));

        var state = model.state_dict();

        state.Keys.Should().Equal(timm.Keys);
        state.Should().AllSatisfy(kv => kv.Value.shape.Should().Equal(timm[kv.Key].shape, kv.Key));
    }

    [Fact]
    public void Constructor_Weights_FollowTimmsDefaultInit()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        using var model = new VisionTransformer(new VisionTransformerOptions { EmbedDim = 192, NumHeads = 3, Depth = 2, NumClasses = 100 });
        var state = model.state_dict();

        foreach (var key in state.Keys.Where(k => k.EndsWith(".weight", StringComparison.Ordinal) && state[k].dim() == 2))
        {
            state[key].std().item<float>().Should().BeApproximately(0.02f, 0.002f, key);
            state[key].mean().item<float>().Should().BeApproximately(0f, 0.002f, key);
        }

        state["pos_embed"].std().item<float>().Should().BeApproximately(0.02f, 0.002f);
        state["cls_token"].std().item<float>().Should().BeInRange(0.5e-6f, 1.5e-6f);
        foreach (var key in state.Keys.Where(k => k.EndsWith(".bias", StringComparison.Ordinal) && !k.StartsWith("patch_embed", StringComparison.Ordinal)))
        {
            state[key].abs().max().item<float>().Should().Be(0f, key);
        }

        foreach (var key in state.Keys.Where(k => k.Contains("norm", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal)))
        {
            state[key].eq(1).all().item<bool>().Should().BeTrue(key);
        }

        // PyTorch's Conv2d default, which timm keeps: kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        float bound = 1 / MathF.Sqrt(3 * 4 * 4);
        var conv = state["patch_embed.proj.weight"];
        conv.abs().max().item<float>().Should().BeLessThanOrEqualTo(bound);
        conv.std().item<float>().Should().BeApproximately(bound / MathF.Sqrt(3), bound * 0.05f);
        state["patch_embed.proj.bias"].abs().max().item<float>().Should().BeInRange(bound / 4, bound);
    }

    [Theory]
    [InlineData(Pooling.ClassToken)]
    [InlineData(Pooling.Mean)]
    public void Backward_EveryParameter_GetsANonZeroGradient(Pooling pooling)
    {
        using var scope = NewDisposeScope();
        var options = Tiny(pooling);
        options.LayerScaleInit = 0.1;
        using var model = new VisionTransformer(options);
        model.train();

        var loss = nn.functional.cross_entropy(model.forward(torch.randn(4, 3, 16, 16)), torch.tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();

        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.grad.Should().NotBeNull(name);
            parameter.grad!.abs().max().item<float>().Should().BeGreaterThan(0f, name);
        }
    }

    [Fact]
    public void Backward_TrainModeWithDropoutAndDropPath_SucceedsUnderAnomalyDetection()
    {
        using var scope = NewDisposeScope();
        using var anomaly = torch.autograd.detect_anomaly();
        var options = Tiny();
        options.Dropout = 0.1;
        options.AttentionDropout = 0.1;
        options.DropPathRate = 0.5;
        options.LayerScaleInit = 1e-5;
        using var model = new VisionTransformer(options);
        model.train();

        var loss = nn.functional.cross_entropy(model.forward(torch.randn(8, 3, 16, 16)), torch.randint(0, 7, [8]));
        loss.backward();

        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.grad.Should().NotBeNull(name);
            parameter.grad!.isfinite().all().item<bool>().Should().BeTrue(name);
        }
    }

    [Fact]
    public void Forward_Eval_IsDeterministicAndTrainIsNot()
    {
        using var scope = NewDisposeScope();
        var options = Tiny();
        options.Dropout = 0.2;
        options.AttentionDropout = 0.2;
        options.DropPathRate = 0.2;
        using var model = new VisionTransformer(options);
        var images = torch.randn(4, 3, 16, 16);

        model.eval();
        var first = model.forward(images);
        var second = model.forward(images);
        model.train();
        var trainFirst = model.forward(images);
        var trainSecond = model.forward(images);

        first.equal(second).all().item<bool>().Should().BeTrue();
        trainFirst.allclose(trainSecond).Should().BeFalse();
    }

    public static TheoryData<long[], ScalarType, string> BadImages => new()
    {
        { [3, 16, 16], ScalarType.Float32, "Expected images shaped [batch, 3, 16, 16] (rank 4), got rank 3 shape [3, 16, 16].*" },
        { [2, 4, 16, 16], ScalarType.Float32, "Expected 3 channels (images shaped [batch, 3, 16, 16]), got 4 channels in shape [2, 4, 16, 16].*" },
        { [2, 3, 32, 32], ScalarType.Float32, "Expected 16x16 images (shaped [batch, 3, 16, 16]), got 32x32 in shape [2, 3, 32, 32].*" },
        { [2, 3, 16, 16], ScalarType.Int64, "Expected floating-point images (Float32, like the weights), got dtype Int64.*" },
        { [2, 3, 16, 16], ScalarType.Float16, "Expected images of dtype Float32 (the weights' dtype), got Float16*" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public void Forward_BadImages_ThrowArgumentExceptionNamingExpectedAndActual(long[] shape, ScalarType dtype, string message)
    {
        using var model = new VisionTransformer(Tiny());
        using var images = torch.zeros(shape, dtype);

        FluentActions.Invoking(() => model.forward(images)).Should().Throw<ArgumentException>().WithMessage(message);
        FluentActions.Invoking(() => model.ForwardAttentionMaps(images)).Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsOnceNamingEveryBadField()
    {
        var options = new VisionTransformerOptions { EmbedDim = 100, NumHeads = 6, ImageSize = 30, PatchSize = 4, Dropout = 1, Depth = 0 };

        var act = () => new VisionTransformer(options);

        var thrown = act.Should().Throw<OptionsValidationException>().Which;
        thrown.Message.Should().Be(
            "VisionTransformerOptions.Depth is 0 but must be at least 1; VisionTransformerOptions.Dropout is 1 but must be in [0, 1); " +
            "VisionTransformerOptions.EmbedDim is 100 and NumHeads is 6, but EmbedDim must be divisible by NumHeads; " +
            "VisionTransformerOptions.ImageSize is 30 and PatchSize is 4, but ImageSize must be divisible by PatchSize");
        thrown.OptionsType.Should().Be<VisionTransformerOptions>();
        thrown.Failures.Should().HaveCount(4);
    }

    [Fact]
    public void Options_ReturnsACopyOfTheOptionsBuiltWith()
    {
        var options = Tiny();
        using var model = new VisionTransformer(options);
        options.Depth = 9;
        model.Options.NumHeads = 1;

        model.Options.Should().BeEquivalentTo(Tiny());
        model.Options.Should().NotBeSameAs(model.Options);
    }

    [Fact]
    public void ResetClassifier_NewClassCount_ReplacesTheHead()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(Tiny());
        var images = torch.randn(2, 3, 16, 16);

        model.ResetClassifier(4);

        model.forward(images).shape.Should().Equal(2, 4);
        model.state_dict()["head.weight"].shape.Should().Equal(4, 24);
        model.state_dict().Keys.Last().Should().Be("head.bias");
        model.Options.NumClasses.Should().Be(4);
    }

    [Fact]
    public void ResetClassifier_Zero_MakesForwardReturnPreLogits()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(Tiny(Pooling.Mean));
        model.eval();
        var images = torch.randn(2, 3, 16, 16);

        model.ResetClassifier(0);

        model.state_dict().Keys.Should().NotContain(k => k.StartsWith("head", StringComparison.Ordinal));
        model.forward(images).equal(model.ForwardHead(model.ForwardFeatures(images), preLogits: true)).all().item<bool>().Should().BeTrue();
        FluentActions.Invoking(() => model.ResetClassifier(-1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Forward_NoGradEval_KeepsOnlyTheResultAlive()
    {
        using var model = new VisionTransformer(Tiny());
        model.eval();
        using var images = torch.randn(2, 3, 16, 16);
        using var noGrad = torch.no_grad();
        model.forward(images).Dispose(); // warm-up
        long before = Tensor.TotalCount;

        using var logits = model.forward(images);

        (Tensor.TotalCount - before).Should().Be(1, "every intermediate handle is disposed as soon as it is used");
    }

    [Fact]
    public void Constructor_DropPathRate_RisesLinearlyAcrossBlocks()
    {
        var options = Tiny();
        options.Depth = 3;
        options.DropPathRate = 0.2;
        using var model = new VisionTransformer(options);

        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);

        modules["blocks.0.drop_path1"].Should().BeOfType<TorchSharp.Modules.Identity>();
        ((DropPath)modules["blocks.1.drop_path2"]).Rate.Should().BeApproximately(0.1, 1e-12);
        ((DropPath)modules["blocks.2.drop_path1"]).Rate.Should().BeApproximately(0.2, 1e-12);
    }

    [Fact]
    public void ForwardHead_FeaturesOfTheWrongWidth_Throws()
    {
        using var model = new VisionTransformer(Tiny());
        using var features = torch.zeros(2, 17, 25);

        var act = () => model.ForwardHead(features);

        act.Should().Throw<ArgumentException>().WithMessage("Expected features shaped [batch, tokens, 24] (the output of ForwardFeatures), got [2, 17, 25].*");
    }

    [Fact]
    public void To_Float64_MovesEveryParameterIncludingTokensAndStillRuns()
    {
        using var scope = NewDisposeScope();
        var options = Tiny();
        options.LayerScaleInit = 0.5;
        using var model = new VisionTransformer(options);
        model.eval();
        var images = torch.randn(2, 3, 16, 16);
        var expected = model.forward(images).to(ScalarType.Float64);

        model.to(ScalarType.Float64);

        model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float64);
        TensorAssert.Close(model.forward(images.to(ScalarType.Float64)), expected, atol: 1e-5);
    }
}
