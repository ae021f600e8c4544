using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>Inference parity with timm 1.0.29's VisionTransformer (fixtures made with timm and PyTorch by hand).</summary>
public sealed partial class VisionTransformerTests
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
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.weights.safetensors"), FixtureOptions(pooling));
        model.eval();
        var io = SafeTensors.Load(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.io.safetensors"));

        using var noGrad = torch.no_grad();
        var features = model.ForwardFeatures(io["input"]);
        var preLogits = model.ForwardHead(features, preLogits: true);
        var logits = model.forward(io["input"]);

        double featuresDiff = TensorAssert.Close(features, io["features"], atol: Tolerance, because: "features");
        double preLogitsDiff = TensorAssert.Close(preLogits, io["pre_logits"], atol: Tolerance, because: "pre_logits");
        double logitsDiff = TensorAssert.Close(logits, io["logits"], atol: Tolerance, because: "logits");
        _output.WriteLine($"{name}: max abs diff features {featuresDiff:E2}, pre_logits {preLogitsDiff:E2}, logits {logitsDiff:E2}");
    }

    [Fact]
    public void ForwardAttentionMaps_TimmWeights_FirstBlockEqualsHandDerivedSoftmax()
    {
        using var scope = NewDisposeScope();
        var w = SafeTensors.Load(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.weights.safetensors"));
        using var model = new VisionTransformer(FixtureOptions(Pooling.ClassToken));
        model.LoadTimmStateDict(w);
        model.eval();
        var images = SafeTensors.Load(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.io.safetensors"))["input"];

        using var noGrad = torch.no_grad();
        var maps = model.ForwardAttentionMaps(images);

        // Block 0 by hand: conv patches, class token first, position embedding, norm1, per-head softmax(q k^T / 8).
        var patches = nn.functional.conv2d(images, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], strides: [4, 4]).flatten(2).transpose(1, 2);
        var tokens = torch.cat([w["cls_token"].expand(3, 1, 192), patches], 1) + w["pos_embed"];
        var normed = nn.functional.layer_norm(tokens, [192], w["blocks.0.norm1.weight"], w["blocks.0.norm1.bias"], 1e-6);
        var qkv = nn.functional.linear(normed, w["blocks.0.attn.qkv.weight"], w["blocks.0.attn.qkv.bias"]);
        var expected = torch.stack(Enumerable.Range(0, 3).Select(h =>
        {
            var q = qkv[.., .., (h * 64)..((h + 1) * 64)];
            var k = qkv[.., .., (192 + (h * 64))..(192 + ((h + 1) * 64))];
            return (q.matmul(k.transpose(1, 2)) / 8.0).softmax(-1);
        }), 1);

        maps.Should().HaveCount(2);
        maps.Should().AllSatisfy(m => m.shape.Should().Equal(3, 3, 65, 65));
        TensorAssert.Close(maps[0], expected, atol: 1e-5);
        TensorAssert.Close(maps[1].sum(-1), torch.ones(3, 3, 65), atol: 1e-5);
    }
}
