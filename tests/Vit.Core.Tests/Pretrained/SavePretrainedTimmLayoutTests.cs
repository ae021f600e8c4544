using System.Text.Json.Nodes;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Pretrained;

/// <summary>
/// SavePretrained writes timm's hub layout beside Vit's fields: the timm fields alone (what timm's
/// <c>create_model("local-dir:...")</c> reads) describe the same model, with or without a classifier.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class SavePretrainedTimmLayoutTests
{
    [Theory]
    [InlineData("test_vit3")]
    [InlineData("test_vit4")]
    [InlineData("deit_tiny_distilled_patch16_224")]
    [InlineData("vit_small_patch14_reg4_dinov2")]
    [InlineData("vit_base_patch16_siglip_gap_224")]
    [InlineData("vit_base_patch16_clip_quickgelu_224")]
    [InlineData("aimv2_large_patch14_224")]
    [InlineData("vit_giant_patch14_dinov2")]
    public void SavePretrained_TimmArchitecture_TimmFieldsAloneGiveTheSameModel(string architecture)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        var options = Small(VisionTransformerOptions.FromTimm(architecture));
        torch.manual_seed(1);
        using var model = new VisionTransformer(options);
        model.eval();

        model.SavePretrained(folder.Path);
        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        config.Remove("vit_version");
        config.Remove("vit_options");
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());
        using var loaded = VisionTransformer.FromPretrained(folder.Path, out var report);

        report.Layout.Should().Be(PretrainedLayout.Timm);
        loaded.Options.Should().BeEquivalentTo(options);
        using var noGrad = no_grad();
        var images = torch.randn(2, options.InChannels, options.ImageSize, options.ImageSize);
        loaded.forward(images).equal(model.forward(images)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void SavePretrained_NoClassifier_WritesAHeadlessFolderThatLoads()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        var options = Small(VisionTransformerOptions.FromTimm("vit_small_patch14_reg4_dinov2"));
        options.NumClasses.Should().Be(0);
        using var model = new VisionTransformer(options);

        model.SavePretrained(folder.Path);
        using var loaded = VisionTransformer.FromPretrained(folder.Path);

        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        config["num_classes"]!.GetValue<int>().Should().Be(0);
        config.ContainsKey("label_names").Should().BeFalse();
        config["architecture"]!.GetValue<string>().Should().Be("vit_tiny_patch16_224");
        loaded.Options.Should().BeEquivalentTo(options);
        VisionTransformer.ReadPretrainedMetadata(folder.Path).ClassNames.Should().BeNull();
    }

    /// <summary>The architecture at a size a test can build: 2 blocks, 32 wide (the ratio and every switch kept).</summary>
    private static VisionTransformerOptions Small(VisionTransformerOptions o)
    {
        o.EmbedDim = 32;
        o.NumHeads = 2;
        o.Depth = 2;
        o.ImageSize = 2 * o.PatchSize;
        o.NumClasses = Math.Min(o.NumClasses, 5);
        return o;
    }
}
