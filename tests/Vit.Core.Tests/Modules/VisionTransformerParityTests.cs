using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>Inference parity with timm 1.0.29's VisionTransformer (fixtures made with timm and PyTorch by hand).</summary>
[Collection(TorchTestGroup.Name)]
public sealed class VisionTransformerParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    public static VisionTransformerOptions FixtureOptions(Pooling pooling) => new()
    {
        ImageSize = 32,
        PatchSize = 4,
        InChannels = 3,
        NumClasses = 10,
        EmbedDim = 192,
        Depth = 2,
        NumHeads = 3,
        MlpRatio = 4,
        Pooling = pooling,
    };

    [Theory]
    [InlineData("cls", Pooling.ClassToken)]
    [InlineData("avg", Pooling.Mean)]
    public void Forward_TimmWeights_MatchesTimmOutputs(string name, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(FixtureOptions(pooling));
        var weights = SafeTensors.Load(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.weights.safetensors"));
        var (missing, unexpected) = model.load_state_dict(weights);
        missing.Should().BeEmpty();
        unexpected.Should().BeEmpty();
        model.eval();
        var io = SafeTensors.Load(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.io.safetensors"));

        using var noGrad = torch.no_grad();
        var features = model.ForwardFeatures(io["input"]);
        var preLogits = model.ForwardHead(features, preLogits: true);
        var logits = model.forward(io["input"]);

        double featuresDiff = MaxAbsDiff(features, io["features"]);
        double preLogitsDiff = MaxAbsDiff(preLogits, io["pre_logits"]);
        double logitsDiff = MaxAbsDiff(logits, io["logits"]);
        output.WriteLine($"{name}: max abs diff features {featuresDiff:E2}, pre_logits {preLogitsDiff:E2}, logits {logitsDiff:E2}");
        featuresDiff.Should().BeLessThan(Tolerance);
        preLogitsDiff.Should().BeLessThan(Tolerance);
        logitsDiff.Should().BeLessThan(Tolerance);
    }

    internal static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        return (actual - expected).abs().max().item<float>();
    }
}
