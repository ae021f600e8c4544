using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Pretrained;

/// <summary>
/// FromPretrained on folders as the hub lays them out (Fixtures/pretrained, made by timm 1.0.29 and by a module with
/// transformers' names; its README): every output of every case at every listed input size within 1e-4 of what their
/// own code computed.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class PretrainedFixtureTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("dinov2_reg4", PretrainedLayout.Timm)]
    [InlineData("dinov2_reg4_dynamic", PretrainedLayout.Timm)]
    [InlineData("clip_quickgelu", PretrainedLayout.Timm)]
    [InlineData("siglip_map", PretrainedLayout.Timm)]
    [InlineData("siglip_gap_tanh", PretrainedLayout.Timm)]
    [InlineData("deit3", PretrainedLayout.Timm)]
    [InlineData("deit_distilled", PretrainedLayout.Timm)]
    [InlineData("reg4_gap", PretrainedLayout.Timm)]
    [InlineData("swiglu", PretrainedLayout.Timm)]
    [InlineData("qk_norm", PretrainedLayout.Timm)]
    [InlineData("hf_vit_classifier", PretrainedLayout.Transformers)]
    [InlineData("hf_vit_model", PretrainedLayout.Transformers)]
    [InlineData("hf_dinov2", PretrainedLayout.Transformers)]
    public void FromPretrained_HubFolder_MatchesItsOwnCodeAtEveryInputSize(string name, PretrainedLayout layout)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        string folder = Folder(name);
        var sizes = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "case.json")))!["sizes"]!.AsArray();

        using var model = VisionTransformer.FromPretrained(folder, out var report);
        var expected = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));

        report.Layout.Should().Be(layout);
        model.training.Should().BeFalse();
        double worst = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            var features = model.ForwardFeatures(expected[$"input_{i}"]);
            worst = Math.Max(worst, Compare(features, expected, $"features_{i}"));
            if (expected.ContainsKey($"pre_logits_{i}"))
            {
                worst = Math.Max(worst, Compare(model.ForwardHead(features, preLogits: true), expected, $"pre_logits_{i}"));
            }

            if (expected.ContainsKey($"logits_{i}"))
            {
                worst = Math.Max(worst, Compare(model.forward(expected[$"input_{i}"]), expected, $"logits_{i}"));
            }

            // Dinov2Model's pooler output is the class token after the final norm: timm's pre-logits.
            if (name == "hf_dinov2")
            {
                worst = Math.Max(worst, Compare(model.ForwardHead(features, preLogits: true), expected, $"pooled_{i}"));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {sizes.Count} input sizes, worst max abs difference {worst:G3}"));
    }

    [Fact]
    public void FromPretrained_TransformersViTModel_ReportsThePoolerAsUnused()
    {
        using var scope = NewDisposeScope();

        using var model = VisionTransformer.FromPretrained(Folder("hf_vit_model"), out var report);

        report.Architecture.Should().Be("ViTModel");
        report.UnusedKeys.Keys.Should().Equal("pooler.dense.bias", "pooler.dense.weight");
        report.UnusedKeys["pooler.dense.weight"].Should().StartWith("ViTModel's pooler (tanh(dense(class token)))");
        report.LoadedTensors.Should().Be(model.state_dict().Count);
    }

    [Fact]
    public void FromPretrained_TransformersDinov2_ReportsTheMaskTokenAsUnused()
    {
        using var scope = NewDisposeScope();

        using var model = VisionTransformer.FromPretrained(Folder("hf_dinov2"), out var report);

        report.Architecture.Should().Be("Dinov2Model");
        report.UnusedKeys.Should().Equal(new Dictionary<string, string> { ["embeddings.mask_token"] = "DINOv2's mask token, used only in masked pre-training" });
        model.Options.LayerNormEpsilon.Should().Be(1e-6);
    }

    [Fact]
    public void ReadPretrainedMetadata_TimmFolder_GivesItsPretrainedCfg()
    {
        var metadata = VisionTransformer.ReadPretrainedMetadata(Folder("clip_quickgelu"));

        metadata.Mean.Should().Equal(0.48145466f, 0.4578275f, 0.40821073f);
        metadata.Std.Should().Equal(0.26862954f, 0.26130258f, 0.27577711f);
        metadata.CropPct.Should().Be(1.0);
        metadata.Interpolation.Should().Be(ResizeInterpolation.Bicubic);
        metadata.ClassNames.Should().BeNull();
    }

    [Fact]
    public void ReadPretrainedMetadata_TransformersClassifier_TakesClassNamesFromId2Label()
    {
        var metadata = VisionTransformer.ReadPretrainedMetadata(Folder("hf_vit_classifier"));

        metadata.ClassNames.Should().Equal(Enumerable.Range(0, 10).Select(i => $"class_{i}"));
        metadata.Mean.Should().Equal(0.5f, 0.5f, 0.5f);
        metadata.CropPct.Should().Be(1.0);
        metadata.Interpolation.Should().Be(ResizeInterpolation.Bilinear);
    }

    internal static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained", name);

    private static double Compare(Tensor actual, Dictionary<string, Tensor> expected, string key) =>
        TensorAssert.Close(actual, expected[key], Tolerance, because: key);
}
