using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>
/// Parity with timm 1.0.29 for its standard-block variants (Fixtures/pretrained and Fixtures/variants, made by timm
/// itself; READMEs there):
/// options written by hand from each case's architecture and model_args, weights through LoadTimm.
/// </summary>
public sealed partial class VisionTransformerTests
{
    public static TheoryData<string> TimmCases => new(TimmFixtures.Names);

    [Theory]
    [MemberData(nameof(TimmCases))]
    public void LoadTimm_TimmVariant_MatchesTimmsFeaturesPreLogitsAndLogitsAtEverySize(string name)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(TimmFixtures.File(name, "model.safetensors"), TimmFixtures.Options(name));
        model.eval();
        var expected = SafeTensors.Load(TimmFixtures.File(name, "expected.safetensors"));
        using var noGrad = torch.no_grad();

        int sizes = 0;
        double worst = 0;
        for (int i = 0; expected.ContainsKey($"input_{i}"); i++, sizes++)
        {
            var input = expected[$"input_{i}"];
            var features = model.ForwardFeatures(input);
            string at = $"{name} at {input.shape[2]}x{input.shape[3]}";
            worst = Math.Max(worst, TensorAssert.Close(features, expected[$"features_{i}"], atol: 1e-4, because: $"features, {at}"));
            worst = Math.Max(worst, TensorAssert.Close(model.ForwardHead(features, preLogits: true), expected[$"pre_logits_{i}"], atol: 1e-4, because: $"pre_logits, {at}"));
            worst = Math.Max(worst, TensorAssert.Close(model.forward(input), expected[$"logits_{i}"], atol: 1e-4, because: $"logits, {at}"));
        }

        _output.WriteLine($"{name}: {sizes} input size(s), worst max abs diff {worst:E2}");
        sizes.Should().BeGreaterThan(0);
    }

    [Theory]
    [MemberData(nameof(TimmCases))]
    public void SaveTimm_TimmVariant_WritesTimmsKeysShapesAndValues(string name)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(TimmFixtures.File(name, "model.safetensors"), TimmFixtures.Options(name));
        using var folder = new TempDirectory();
        string path = folder.File("model.safetensors");

        model.SaveTimm(path);

        var written = SafeTensors.Load(path);
        var timm = SafeTensors.Load(TimmFixtures.File(name, "model.safetensors"));
        written.Keys.Should().BeEquivalentTo(timm.Keys);
        written.Should().AllSatisfy(kv =>
        {
            kv.Value.shape.Should().Equal(timm[kv.Key].shape, kv.Key);
            kv.Value.equal(timm[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key);
        });
    }

    [Theory]
    [InlineData("reg4_gap", 0)]
    [InlineData("deit_distilled", 0)]
    [InlineData("siglip_map", 0)]
    [InlineData("dinov2_reg4_dynamic", 2)]
    public void ForwardAttentionMaps_TimmVariant_CoversPrefixAndPatchTokensWithRowsSummingToOne(string name, int size)
    {
        using var scope = NewDisposeScope();
        using var model = TimmFixtures.Load(name);
        var expected = SafeTensors.Load(TimmFixtures.File(name, "expected.safetensors"));
        var input = expected[$"input_{size}"];
        long tokens = expected[$"features_{size}"].shape[1];
        using var noGrad = torch.no_grad();

        var maps = model.ForwardAttentionMaps(input);

        maps.Should().HaveCount(2);
        maps.Should().AllSatisfy(map =>
        {
            map.shape.Should().Equal(input.shape[0], 4, tokens, tokens);
            TensorAssert.Close(map.sum(-1), torch.ones(input.shape[0], 4, tokens), atol: 1e-5);
        });
    }

    [Fact]
    public void Forward_DynamicSizeWithSideNotAMultipleOfThePatch_ThrowsNamingSizeAndTheOption()
    {
        using var scope = NewDisposeScope();
        using var model = TimmFixtures.Load("dinov2_reg4_dynamic");

        var act = () => model.forward(torch.zeros(1, 3, 57, 70));

        act.Should().Throw<ArgumentException>().WithMessage(
            "Expected images whose height and width are positive multiples of the patch size 14 (shaped [batch, 3, H, W]), got 57x70 in shape [1, 3, 57, 70]. " +
            "Resize or crop the images, or build the model with VisionTransformerOptions.DynamicImagePad to zero-pad them.*");
    }
}
