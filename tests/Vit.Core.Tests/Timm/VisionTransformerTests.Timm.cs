using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>LoadTimm / SaveTimm: timm's state_dict format, pos_embed resampling, all-or-nothing mismatches.</summary>
public sealed partial class VisionTransformerTests
{
    private static string Weights(string name) => TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.weights.safetensors");

    [Theory]
    [InlineData(48, "timm_cls.pos_embed.to12")]
    [InlineData(16, "timm_cls.pos_embed.to4")]
    public void LoadTimm_OtherImageSize_ResamplesPosEmbedLikeTimmAndCopiesTheRest(int imageSize, string reference)
    {
        using var scope = NewDisposeScope();
        var options = FixtureOptions(Pooling.ClassToken);
        options.ImageSize = imageSize;
        var timm = SafeTensors.Load(Weights("cls"));
        var expectedPosEmbed = SafeTensors.Load(TestFiles.Fixture("resample_abs_pos_embed.safetensors"))[reference];

        using var model = VisionTransformer.LoadTimm(Weights("cls"), options);

        var state = model.state_dict();
        double diff = (state["pos_embed"] - expectedPosEmbed).abs().max().item<float>();
        _output.WriteLine($"pos_embed resampled to {imageSize / 4}x{imageSize / 4}: max abs diff {diff:E2}");
        diff.Should().BeLessThan(1e-5);
        foreach (var key in state.Keys.Where(k => k != "pos_embed"))
        {
            state[key].equal(timm[key]).all().item<bool>().Should().BeTrue(key);
        }

        model.eval();
        using var noGrad = torch.no_grad();
        model.forward(torch.randn(2, 3, imageSize, imageSize)).shape.Should().Equal(2, 10);
    }

    [Theory]
    [InlineData("cls", Pooling.ClassToken)]
    [InlineData("avg", Pooling.Mean)]
    public void SaveTimm_ModelLoadedFromTimm_WritesTimmsExactTensors(string name, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(Weights(name), FixtureOptions(pooling));
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.SaveTimm(path);

            var written = SafeTensors.Load(path);
            var timm = SafeTensors.Load(Weights(name));
            written.Keys.Should().Equal(timm.Keys);
            written.Should().AllSatisfy(kv =>
            {
                kv.Value.dtype.Should().Be(ScalarType.Float32);
                kv.Value.shape.Should().Equal(timm[kv.Key].shape, kv.Key);
                kv.Value.equal(timm[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key);
            });
            SafeTensors.ReadMetadata(path)["format"].Should().Be("pt");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SaveTimm_ThenLoadTimm_RoundTripsBitForBit()
    {
        using var scope = NewDisposeScope();
        var options = Tiny(Pooling.Mean);
        options.LayerScaleInit = 1e-5;
        using var model = new VisionTransformer(options);
        model.eval();
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.SaveTimm(path);
            using var loaded = VisionTransformer.LoadTimm(path, options);
            loaded.eval();

            var expected = model.state_dict();
            loaded.state_dict().Should().AllSatisfy(kv => kv.Value.equal(expected[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key));
            var images = torch.randn(2, 3, 16, 16);
            loaded.forward(images).equal(model.forward(images)).all().item<bool>().Should().BeTrue();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadTimm_DeeperModelWithMoreClasses_ListsEveryOffendingKeyWithShapes()
    {
        var options = FixtureOptions(Pooling.ClassToken);
        options.Depth = 3;
        options.NumClasses = 100;

        var act = () => VisionTransformer.LoadTimm(Weights("cls"), options);

        var message = act.Should().Throw<InvalidDataException>().Which.Message;
        message.Should().StartWith($"'{Weights("cls")}' does not fit a VisionTransformer with EmbedDim 192, Depth 3, NumHeads 3, Pooling ClassToken, ImageSize 32, PatchSize 4, NumClasses 100 (14 problems; nothing was loaded):");
        message.Should().Contain("missing key 'blocks.2.norm1.weight' (expected [192])")
            .And.Contain("missing key 'blocks.2.attn.qkv.weight' (expected [576, 192])")
            .And.Contain("missing key 'blocks.2.mlp.fc2.bias' (expected [192])")
            .And.Contain("'head.weight' expected [100, 192], got [10, 192]")
            .And.Contain("'head.bias' expected [100], got [10]")
            .And.Contain("hint: the checkpoint has 2 blocks, options.Depth is 3");
    }

    [Fact]
    public void LoadTimm_ClassTokenCheckpointIntoMeanPooling_ListsKeysAndHint()
    {
        var act = () => VisionTransformer.LoadTimm(Weights("cls"), FixtureOptions(Pooling.Mean));

        var lines = act.Should().Throw<InvalidDataException>().Which.Message.Split(Environment.NewLine).Skip(1).Select(l => l.Trim());
        lines.Should().BeEquivalentTo(
            "'pos_embed' expected [1, 64, 192], got [1, 65, 192]",
            "missing key 'fc_norm.weight' (expected [192])",
            "missing key 'fc_norm.bias' (expected [192])",
            "unexpected key 'cls_token' [1, 1, 192]",
            "unexpected key 'norm.weight' [192]",
            "unexpected key 'norm.bias' [192]",
            "hint: the checkpoint has a cls_token: it was trained with Pooling.ClassToken");
    }

    [Fact]
    public void LoadTimm_WiderOptions_HintsAtTheCheckpointWidth()
    {
        var options = FixtureOptions(Pooling.ClassToken);
        options.EmbedDim = 250;
        options.NumHeads = 5;

        var act = () => VisionTransformer.LoadTimm(Weights("cls"), options);

        act.Should().Throw<InvalidDataException>().WithMessage("*'patch_embed.proj.weight' expected [250, 3, 4, 4], got [192, 3, 4, 4]*")
            .WithMessage("*hint: the checkpoint's width is 192 (patch_embed.proj.weight), options.EmbedDim is 250*")
            .WithMessage("*hint: NumHeads 5 does not divide the checkpoint's width 192*");
    }

    [Fact]
    public void LoadTimm_HeadCountNotDividingWidth_FailsOnTheOptions()
    {
        var options = FixtureOptions(Pooling.ClassToken);
        options.NumHeads = 5;

        var act = () => VisionTransformer.LoadTimm(Weights("cls"), options);

        act.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("VisionTransformerOptions.EmbedDim is 192 and NumHeads is 5, but EmbedDim must be divisible by NumHeads");
    }

    [Fact]
    public void LoadTimmStateDict_OneBadShapeOneExtraKeyOneIntegerTensor_ThrowsAndLeavesTheModelUntouched()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(FixtureOptions(Pooling.ClassToken));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var checkpoint = SafeTensors.Load(Weights("cls"));
        checkpoint["norm.bias"] = torch.zeros(191);
        checkpoint["head.bias"] = torch.zeros(10, dtype: ScalarType.Int64);
        checkpoint["pre_logits.fc.weight"] = torch.zeros(3, 3);

        var act = () => model.LoadTimmStateDict(checkpoint);

        act.Should().Throw<InvalidDataException>().WithMessage("The state dict does not fit*(3 problems; nothing was loaded):*")
            .WithMessage("*'norm.bias' expected [192], got [191]*")
            .WithMessage("*'head.bias' has dtype Int64, expected a floating-point dtype*")
            .WithMessage("*unexpected key 'pre_logits.fc.weight' [3, 3]*");
        model.state_dict().Should().AllSatisfy(kv => kv.Value.equal(before[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key));
    }

    [Fact]
    public void LoadTimmWeights_HalfPrecisionCheckpoint_CastsIntoTheFloatModel()
    {
        using var scope = NewDisposeScope();
        var half = SafeTensors.Load(Weights("avg")).ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float16));
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, half);
            using var model = new VisionTransformer(FixtureOptions(Pooling.Mean));

            model.LoadTimmWeights(path);

            var state = model.state_dict();
            state.Should().AllSatisfy(kv =>
            {
                kv.Value.dtype.Should().Be(ScalarType.Float32);
                kv.Value.equal(half[kv.Key].to(ScalarType.Float32)).all().item<bool>().Should().BeTrue(kv.Key);
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadTimm_TruncatedFile_ThrowsInvalidDataNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.safetensors");
        try
        {
            byte[] bytes = File.ReadAllBytes(Weights("cls"));
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

            var act = () => VisionTransformer.LoadTimm(path, FixtureOptions(Pooling.ClassToken));

            act.Should().Throw<InvalidDataException>().WithMessage($"'{path}' is not a valid safetensors file: *truncated file?*");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
