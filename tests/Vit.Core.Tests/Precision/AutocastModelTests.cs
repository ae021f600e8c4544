using System.Text.Json;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vit.Core.Tests.Precision;

/// <summary>
/// Vit's modules under autocast against PyTorch 1.13's <c>torch.autocast("cpu", bfloat16)</c> on the same timm weights
/// (fixture <c>autocast_bf16_p4_32</c>: 2 blocks, 192 wide, 3 heads, patch 4 on 32x32 RGB, class token, 10 classes).
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class AutocastModelTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private static VisionTransformerOptions FixtureOptions => new()
    {
        ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 192, Depth = 2, NumHeads = 3, MlpRatio = 4,
        Pooling = Pooling.ClassToken,
    };

    private static double PyTorchShift()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestFiles.Fixture("autocast_bf16_p4_32.json")));
        return json.RootElement.GetProperty("autocast_vs_fp32").GetDouble();
    }

    private static VisionTransformer FixtureModel()
    {
        var model = VisionTransformer.LoadTimm(TestFiles.Fixture("autocast_bf16_p4_32.weights.safetensors"), FixtureOptions);
        model.eval();
        return model;
    }

    private static double MaxAbsDiff(Tensor a, Tensor b)
    {
        a.shape.Should().Equal(b.shape);
        using var diff = (a.to_type(ScalarType.Float32) - b.to_type(ScalarType.Float32)).abs().max();
        return diff.item<float>();
    }

    [Fact]
    public void Forward_BFloat16_MovesTheLogitsAsMuchAsPyTorchsAutocastAndLeavesTheWeightsFp32()
    {
        using var scope = NewDisposeScope();
        using var model = FixtureModel();
        var io = SafeTensors.Load(TestFiles.Fixture("autocast_bf16_p4_32.io.safetensors"));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var noGrad = no_grad();

        var fp32 = model.forward(io["input"]);
        Tensor mixed;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            mixed = model.forward(io["input"]);
        }

        double reference = MaxAbsDiff(fp32, io["logits"]);
        double ours = MaxAbsDiff(mixed, io["logits"]);
        double theirs = MaxAbsDiff(io["logits_autocast_bf16"], io["logits"]);
        double json = PyTorchShift();
        _output.WriteLine($"fp32 vs PyTorch fp32 {reference:E2}; bf16 autocast moves the logits by {ours:E3} (Vit) vs {theirs:E3} (PyTorch, JSON {json:E3}): ratio {ours / json:F2}");
        reference.Should().BeLessThan(1e-5, "the fp32 path is timm's");
        theirs.Should().BeApproximately(json, 1e-6, "the JSON states the fixture's own shift");
        (ours / json).Should().BeInRange(0.2, 3.0);
        mixed.dtype.Should().Be(ScalarType.Float32, "the logits come out in the weights' dtype so the loss runs in fp32");
        model.state_dict().Should().AllSatisfy(kv =>
        {
            kv.Value.dtype.Should().Be(ScalarType.Float32, kv.Key);
            kv.Value.equal(before[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key);
        });
    }

    [Fact]
    public void Backward_BFloat16_GradientsArriveInFp32AndPointWhereFp32sDo()
    {
        using var scope = NewDisposeScope();
        using var model = FixtureModel();
        model.train();
        var images = SafeTensors.Load(TestFiles.Fixture("autocast_bf16_p4_32.io.safetensors"))["input"];
        var labels = torch.arange(16, ScalarType.Int64) % 10;

        F.cross_entropy(model.forward(images), labels).backward();
        var fp32 = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        model.zero_grad();
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            var logits = model.forward(images);
            var loss = F.cross_entropy(logits, labels);
            loss.dtype.Should().Be(ScalarType.Float32);
            loss.backward();
        }

        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.dtype.Should().Be(ScalarType.Float32, name);
            var grad = parameter.grad;
            grad.Should().NotBeNull(name);
            grad!.dtype.Should().Be(ScalarType.Float32, name);
            double cosine = F.cosine_similarity(grad.flatten(), fp32[name].flatten(), 0).item<float>();
            double relative = (grad - fp32[name]).norm().item<float>() / fp32[name].norm().item<float>();
            _output.WriteLine($"{name,-28} cos {cosine:F5} rel {relative:E2}");
            cosine.Should().BeGreaterThan(0.99, name);
            relative.Should().BeGreaterThan(0, $"{name}'s gradient went through bf16, so it cannot equal fp32's exactly");
        }
    }

    [Fact]
    public void Forward_BFloat16_ProductsRunInBf16WhileNormsAndTheResidualStreamStayFp32()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        using var patch = new PatchEmbedding(8, 4, 3, 12);
        using var attention = new MultiHeadAttention(12, 3);
        using var mlp = new FeedForward(12, 24);
        using var block = new EncoderLayer(12, 3, 24, layerScaleInit: 0.5);
        using var norm = nn.LayerNorm(12);
        var images = torch.randn(2, 3, 8, 8);
        var tokens = torch.randn(2, 5, 12);

        using (Autocast.Enable(ScalarType.BFloat16))
        {
            patch.forward(images).dtype.Should().Be(ScalarType.BFloat16);
            attention.forward(tokens).dtype.Should().Be(ScalarType.BFloat16);
            mlp.forward(tokens).dtype.Should().Be(ScalarType.BFloat16, "GELU keeps fc1's bf16 output in bf16 for fc2");
            block.forward(tokens).dtype.Should().Be(ScalarType.Float32, "the residual stream stays fp32");
            Autocast.LayerNorm(norm, tokens.to_type(ScalarType.BFloat16)).dtype.Should().Be(ScalarType.Float32);
            Autocast.Softmax(tokens.to_type(ScalarType.BFloat16), -1).dtype.Should().Be(ScalarType.Float32);
            var (output, probabilities) = attention.ForwardWithAttention(tokens);
            output.dtype.Should().Be(ScalarType.BFloat16);
            probabilities.dtype.Should().Be(ScalarType.Float32);
            probabilities.sum(-1).allclose(torch.ones(2, 3, 5), rtol: 0, atol: 1e-5).Should().BeTrue();
        }

        using (Autocast.Enable(ScalarType.Float16))
        {
            mlp.forward(tokens).dtype.Should().Be(ScalarType.Float16);
        }
    }

    [Fact]
    public void ScaledDotProductAttention_ByDefault_RunsInTheAutocastDtype()
    {
        using var scope = NewDisposeScope();
        var q = torch.randn(2, 3, 7, 8, ScalarType.BFloat16).requires_grad_();
        using var amp = Autocast.Enable(ScalarType.BFloat16);

        Autocast.CpuAttentionInFloat32.Should().BeFalse("PyTorch's list puts attention in lower precision");
        Autocast.ScaledDotProductAttention(q, q, q).dtype.Should().Be(ScalarType.BFloat16);
    }

    [Fact]
    public void ScaledDotProductAttention_CpuAttentionInFloat32_RunsFp32WhileTrainingOnly()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var q = torch.randn(2, 3, 7, 8, ScalarType.BFloat16).requires_grad_();
        var q32 = q.detach().to_type(ScalarType.Float32).requires_grad_();
        var reference = F.scaled_dot_product_attention(q32, q32, q32);
        reference.sum().backward();
        using var amp = Autocast.Enable(ScalarType.BFloat16);
        Autocast.CpuAttentionInFloat32 = true;
        try
        {
            var output = Autocast.ScaledDotProductAttention(q, q, q);
            output.dtype.Should().Be(ScalarType.Float32);
            output.equal(reference).all().item<bool>().Should().BeTrue("it is fp32 attention on the bf16 values");
            output.sum().backward();
            q.grad!.dtype.Should().Be(ScalarType.BFloat16, "the gradient arrives in the input's dtype");
            TensorAssert.Close(q.grad!.to_type(ScalarType.Float32), q32.grad!, atol: 0.02, rtol: 0.01, because: "fp32's gradient rounded to bf16");
            using (no_grad())
            {
                Autocast.ScaledDotProductAttention(q, q, q).dtype.Should().Be(ScalarType.BFloat16, "without a backward bf16 is as fast");
            }
        }
        finally
        {
            Autocast.CpuAttentionInFloat32 = false;
        }
    }

    [Fact]
    public void TrainingStep_UnderAutocast_LeavesNoTensorAlive()
    {
        using var model = FixtureModel();
        model.train();
        using var images = torch.randn(4, 3, 32, 32);
        using var labels = torch.arange(4, ScalarType.Int64);
        void Step()
        {
            using var step = NewDisposeScope();
            using var amp = Autocast.Enable(ScalarType.BFloat16);
            F.cross_entropy(model.forward(images), labels).backward();
        }

        Step();
        model.zero_grad();
        Step(); // warm-up: gradients now exist
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Tensor.TotalCount;

        for (int i = 0; i < 3; i++)
        {
            Step();
        }

        Tensor.TotalCount.Should().Be(before, "weight copies, recomputed attention and gradients are freed each step");
    }

    [Fact]
    public void Forward_Float32ScopeOrNone_IsBitwiseThePlainForward()
    {
        using var scope = NewDisposeScope();
        using var model = FixtureModel();
        var images = SafeTensors.Load(TestFiles.Fixture("autocast_bf16_p4_32.io.safetensors"))["input"];
        using var noGrad = no_grad();

        var plain = model.forward(images);
        Tensor off, offInside;
        using (Autocast.Enable(ScalarType.Float32))
        {
            off = model.forward(images);
        }

        using (Autocast.Enable(ScalarType.BFloat16))
        using (Autocast.Enable(ScalarType.Float32))
        {
            offInside = model.forward(images);
        }

        off.equal(plain).all().item<bool>().Should().BeTrue();
        offInside.equal(plain).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Forward_WeightsChangedInsideOneScope_UsesTheNewWeights()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var mlp = new FeedForward(8, 16);
        var x = torch.randn(4, 8);
        using var amp = Autocast.Enable(ScalarType.BFloat16);

        var first = mlp.forward(x);
        using (no_grad())
        {
            foreach (var p in mlp.parameters())
            {
                p.mul_(2); // what an optimizer step does: in place
            }
        }

        var second = mlp.forward(x);

        using var offScope = Autocast.Enable(ScalarType.Float32);
        var expected = mlp.forward(x);
        MaxAbsDiff(second, expected).Should().BeLessThan(0.05, "the second forward casts the updated weights again");
        MaxAbsDiff(first, second).Should().BeGreaterThan(0.1);
    }

    [Fact]
    public void Backward_TwoForwardsInOneScope_AccumulateBothGradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var mlp = new FeedForward(8, 16);
        var x = torch.randn(4, 8);
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            mlp.forward(x).sum().backward();
        }

        var once = mlp.parameters().Select(p => p.grad!.clone()).ToList();
        mlp.zero_grad();

        using (Autocast.Enable(ScalarType.BFloat16))
        {
            mlp.forward(x).sum().backward();
            mlp.forward(x).sum().backward();
        }

        mlp.parameters().Zip(once).Should().AllSatisfy(pair => pair.First.grad!.allclose(2 * pair.Second, rtol: 1e-6, atol: 1e-6).Should().BeTrue());
    }

    [Fact]
    public void Forward_UnderAutocastInNoGrad_KeepsOnlyTheResultAlive()
    {
        using var model = FixtureModel();
        using var images = torch.randn(2, 3, 32, 32);
        using var noGrad = no_grad();
        using var amp = Autocast.Enable(ScalarType.BFloat16);
        model.forward(images).Dispose(); // warm-up
        // Tensor.TotalCount is process-wide: let the finalizer free earlier tests' garbage before counting.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Tensor.TotalCount;

        using var logits = model.forward(images);

        (Tensor.TotalCount - before).Should().Be(1, "weight copies and intermediates are freed with the forward");
    }

    [Fact]
    public void Forward_BFloat16Weights_RunsInBf16CloseToFp32()
    {
        using var scope = NewDisposeScope();
        using var model = FixtureModel();
        var io = SafeTensors.Load(TestFiles.Fixture("autocast_bf16_p4_32.io.safetensors"));
        model.to(ScalarType.BFloat16);
        using var noGrad = no_grad();

        var logits = model.forward(io["input"].to_type(ScalarType.BFloat16));
        Tensor underAutocast;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            underAutocast = model.forward(io["input"]);
        }

        double shift = MaxAbsDiff(logits, io["logits"]);
        double autocastShift = MaxAbsDiff(underAutocast, io["logits"]);
        _output.WriteLine($"bf16 weights move the logits by {shift:E3} ({autocastShift:E3} under autocast); PyTorch's bf16 autocast {PyTorchShift():E3}");
        logits.dtype.Should().Be(ScalarType.BFloat16);
        underAutocast.dtype.Should().Be(ScalarType.BFloat16, "outputs are in the weights' dtype");
        model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.BFloat16);
        shift.Should().BeInRange(0.2 * PyTorchShift(), 10 * PyTorchShift());
        autocastShift.Should().BeInRange(0.2 * PyTorchShift(), 10 * PyTorchShift());
    }

    [Fact]
    public void Forward_BFloat16WeightsWithFp32Images_ThrowsNamingBothDtypes()
    {
        using var model = new VisionTransformer(FixtureOptions);
        model.to(ScalarType.BFloat16);
        using var images = torch.randn(1, 3, 32, 32);

        FluentActions.Invoking(() => model.forward(images)).Should().Throw<ArgumentException>()
            .WithMessage("Expected images of dtype BFloat16 (the weights' dtype), got Float32; convert the images or the model, or run under Autocast.*");
    }

    [Fact]
    public void Forward_Float16_MovesTheLogitsLessThanBf16()
    {
        using var scope = NewDisposeScope();
        using var model = FixtureModel();
        var io = SafeTensors.Load(TestFiles.Fixture("autocast_bf16_p4_32.io.safetensors"));
        using var noGrad = no_grad();

        Tensor half;
        using (Autocast.Enable(ScalarType.Float16))
        {
            half = model.forward(io["input"]);
        }

        double shift = MaxAbsDiff(half, io["logits"]);
        _output.WriteLine($"fp16 autocast moves the logits by {shift:E3}; PyTorch's bf16 autocast {PyTorchShift():E3}");
        half.dtype.Should().Be(ScalarType.Float32);
        shift.Should().BeGreaterThan(0, "the products ran in fp16").And.BeLessThan(PyTorchShift(), "fp16 keeps 3 more mantissa bits than bf16");
    }

    [Fact]
    public void UncoveredModules_ListsParameterisedModulesOutsideVitsModules()
    {
        using var vit = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, EmbedDim = 12, Depth = 1, NumHeads = 3, NumClasses = 2, LayerScaleInit = 0.1 });
        using var extra = nn.Linear(2, 2);
        using var model = nn.Sequential(("vit", vit), ("act", nn.ReLU()), ("extra", extra));

        Autocast.UncoveredModules(vit).Should().BeEmpty();
        Autocast.UncoveredModules(model).Should().Equal("extra");
        Autocast.UncoveredModules(extra).Should().Equal(string.Empty);
    }

    public static TheoryData<string> TimmCases => new(TimmFixtures.Names);

    [Theory]
    [MemberData(nameof(TimmCases))]
    public void UncoveredModules_TimmVariant_IsEmpty(string name)
    {
        using var model = TimmFixtures.Load(name);

        Autocast.UncoveredModules(model).Should().BeEmpty();
    }

    [Theory]
    [InlineData("aimv2")]
    [InlineData("siglip_map")]
    [InlineData("swiglu")]
    [InlineData("deit_distilled")]
    [InlineData("scale_norms_avgmax_pad")]
    [InlineData("clip_quickgelu")]
    public void Backward_BFloat16TimmVariant_GradientsArriveInFp32AndPointWhereFp32sDo(string name)
    {
        using var scope = NewDisposeScope();
        using var model = TimmFixtures.Load(name);
        model.train();
        var images = SafeTensors.Load(TimmFixtures.File(name, "expected.safetensors"))["input_0"];
        var labels = torch.arange(images.shape[0], ScalarType.Int64) % 10;

        var fp32Logits = model.forward(images);
        F.cross_entropy(fp32Logits, labels).backward();
        var fp32 = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        model.zero_grad();
        Tensor logits;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            logits = model.forward(images);
            logits.dtype.Should().Be(ScalarType.Float32);
            F.cross_entropy(logits, labels).backward();
        }

        double shift = MaxAbsDiff(logits, fp32Logits);
        double worstCosine = 1;
        foreach (var (parameterName, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            grad.Should().NotBeNull(parameterName);
            grad!.dtype.Should().Be(ScalarType.Float32, parameterName);
            double cosine = F.cosine_similarity(grad.flatten(), fp32[parameterName].flatten(), 0).item<float>();
            worstCosine = Math.Min(worstCosine, cosine);
            cosine.Should().BeGreaterThan(0.99, parameterName);
        }

        _output.WriteLine($"{name}: bf16 moves the logits by {shift:E2} (logits up to {fp32Logits.abs().max().item<float>():F2}); worst gradient cosine {worstCosine:F5}");
        shift.Should().BeLessThan(1e-2);
    }
}
