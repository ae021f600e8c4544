using System.Text.Json.Nodes;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Pretrained;

/// <summary>SavePretrained / FromPretrained: a model folder (config.json + model.safetensors) that comes back exactly.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class VisionTransformerPretrainedTests
{
    /// <summary>Every field away from its default, so a field that is not written or not read shows.</summary>
    private static VisionTransformerOptions Unusual() => new()
    {
        ImageSize = 12,
        PatchSize = 3,
        InChannels = 2,
        NumClasses = 5,
        EmbedDim = 24,
        Depth = 2,
        NumHeads = 2,
        MlpRatio = 1.5,
        QkvBias = false,
        Pooling = Pooling.Mean,
        Dropout = 0.125,
        AttentionDropout = 0.25,
        DropPathRate = 0.375,
        LayerNormEpsilon = 1e-5,
        LayerScaleInit = 1e-4,
    };

    private static PretrainedMetadata Metadata() => new()
    {
        Mean = [0.25f, 0.2860406f],
        Std = [0.5f, 0.3530242f],
        ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"],
        CropPct = 32.0 / 28.0,
        Interpolation = ResizeInterpolation.Bilinear,
    };

    [Fact]
    public void FromPretrained_FolderFromSavePretrained_GivesTheSameOptionsWeightsAndLogits()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        torch.manual_seed(3);
        using var model = new VisionTransformer(Unusual());
        model.eval();

        model.SavePretrained(folder.Path, Metadata());
        using var loaded = VisionTransformer.FromPretrained(folder.Path);

        loaded.Options.Should().BeEquivalentTo(Unusual());
        loaded.training.Should().BeFalse();
        var expected = model.state_dict();
        var actual = loaded.state_dict();
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        actual.Should().AllSatisfy(kv => kv.Value.equal(expected[kv.Key]).all().item<bool>().Should().BeTrue(kv.Key));
        using var noGrad = torch.no_grad();
        var images = torch.randn(3, 2, 12, 12);
        loaded.forward(images).equal(model.forward(images)).all().item<bool>().Should().BeTrue();
        VisionTransformer.ReadPretrainedMetadata(folder.Path).Should().BeEquivalentTo(Metadata());
    }

    [Theory]
    [InlineData("siglip_map", "{\"global_pool\":\"map\",\"class_token\":false,\"fc_norm\":false}", "")]
    [InlineData("dinov2_reg4", "{\"global_pool\":\"token\",\"class_token\":true,\"fc_norm\":false}", "{\"reg_tokens\":4,\"no_embed_class\":true}")]
    // AIMv2's RmsNorm eps 1e-5 and SwiGLU have no JSON form: the architecture is an aimv2_* one, which gives them all.
    [InlineData("aimv2", "{\"global_pool\":\"avg\",\"class_token\":false,\"fc_norm\":false}", "")]
    public void FromPretrained_TimmVariantFolder_GivesTheSameOptionsAndLogitsAndWritesTimmsArguments(string name, string pooling, string extra)
    {
        using var scope = NewDisposeScope();
        using var model = TimmFixtures.Load(name);
        using var folder = new TempDirectory();
        model.SavePretrained(folder.Path);

        using var loaded = VisionTransformer.FromPretrained(folder.Path);

        loaded.Options.Should().BeEquivalentTo(TimmFixtures.Options(name));
        var images = SafeTensors.Load(TimmFixtures.File(name, "expected.safetensors"))["input_0"];
        using var noGrad = torch.no_grad();
        loaded.forward(images).equal(model.forward(images)).all().item<bool>().Should().BeTrue();
        var args = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!["model_args"]!.AsObject();
        new JsonObject { ["global_pool"] = args["global_pool"]!.DeepClone(), ["class_token"] = args["class_token"]!.DeepClone(), ["fc_norm"] = args["fc_norm"]!.DeepClone() }
            .ToJsonString().Should().Be(pooling);
        var classic = new[] { "img_size", "patch_size", "in_chans", "num_classes", "global_pool", "class_token", "fc_norm", "embed_dim", "depth", "num_heads", "mlp_ratio", "qkv_bias", "init_values", "pos_drop_rate", "proj_drop_rate", "attn_drop_rate", "drop_path_rate" };
        var others = new JsonObject();
        foreach (var (key, value) in args.Where(kv => !classic.Contains(kv.Key)))
        {
            others[key] = value!.DeepClone();
        }

        (others.Count == 0 ? "" : others.ToJsonString()).Should().Be(extra);
    }

    [Fact]
    public void SavePretrained_Config_HasTimmsLayoutAndEveryVitField()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(Unusual());

        model.SavePretrained(folder.Path, Metadata());

        Directory.GetFiles(folder.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["config.json", "model.safetensors"]);
        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        // LayerNorm eps 1e-5 is an architecture's own argument in timm (CLIP's); model_args overrides the rest (pre_norm false).
        config["architecture"]!.GetValue<string>().Should().Be("vit_base_patch16_clip_224");
        config["num_classes"]!.GetValue<int>().Should().Be(5);
        config["global_pool"]!.GetValue<string>().Should().Be("avg");
        config["vit_version"]!.GetValue<string>().Should().Be("0.1.0");
        config["label_names"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(Metadata().ClassNames);
        var args = config["model_args"]!.AsObject();
        args.ToJsonString().Should().Be(
            "{\"img_size\":12,\"patch_size\":3,\"in_chans\":2,\"num_classes\":5,\"global_pool\":\"avg\",\"class_token\":false,\"fc_norm\":true,"
            + "\"embed_dim\":24,\"depth\":2,\"num_heads\":2,\"mlp_ratio\":1.5,\"qkv_bias\":false,\"init_values\":0.0001,"
            + "\"pos_drop_rate\":0.125,\"proj_drop_rate\":0.125,\"attn_drop_rate\":0.25,\"drop_path_rate\":0.375,\"pre_norm\":false}");
        var cfg = config["pretrained_cfg"]!.AsObject();
        cfg["input_size"]!.AsArray().Select(n => n!.GetValue<int>()).Should().Equal(2, 12, 12);
        cfg["interpolation"]!.GetValue<string>().Should().Be("bilinear");
        cfg["crop_pct"]!.GetValue<double>().Should().Be(32.0 / 28.0);
        cfg["crop_mode"]!.GetValue<string>().Should().Be("center");
        cfg["mean"]!.AsArray().Select(n => (float)n!.GetValue<double>()).Should().Equal(0.25f, 0.2860406f);
        config["vit_options"]!.AsObject().Select(kv => kv.Key).Should().Equal(
            "image_size", "patch_size", "in_channels", "num_classes", "embed_dim", "depth", "num_heads", "mlp_ratio", "qkv_bias",
            "pooling", "dropout", "attention_dropout", "drop_path_rate", "layer_norm_epsilon", "layer_scale_init",
            "norm", "activation", "mlp", "projection_bias", "qk_norm", "scale_attention_norm", "scale_mlp_norm", "pre_norm",
            "patch_embedding_norm", "final_norm", "fc_norm", "pool_include_prefix", "head_dropout", "stem_channels", "stem_strides",
            "stem_kernel_sizes", "stem_activation", "stem_projection", "class_token", "register_tokens",
            "distillation_token", "position_embedding_covers_prefix", "dynamic_image_size", "dynamic_image_pad");
        config["vit_options"]!["pooling"]!.GetValue<string>().Should().Be("mean");
    }

    [Fact]
    public void SavePretrained_NoMetadata_WritesTimmsViTDefaults()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        model.SavePretrained(folder.Path);

        var metadata = VisionTransformer.ReadPretrainedMetadata(folder.Path);
        metadata.Mean.Should().Equal(0.5f, 0.5f, 0.5f);
        metadata.Std.Should().Equal(0.5f, 0.5f, 0.5f);
        metadata.ClassNames.Should().Equal("0", "1", "2");
        metadata.CropPct.Should().Be(0.9);
        metadata.Interpolation.Should().Be(ResizeInterpolation.Bicubic);
    }

    [Fact]
    public void SavePretrained_MetadataThatDoesNotFit_ThrowsNamingEachFieldAndWritesNothing()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(Unusual());
        var metadata = new PretrainedMetadata { Mean = [0.5f], Std = [0.5f, 0f], ClassNames = ["a"], CropPct = 0 };

        var act = () => model.SavePretrained(folder.File("model"), metadata);

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Equal(
            "PretrainedMetadata.Std is [0.5, 0] but every item must be in (0, 1000000] (item 1 is 0)",
            "PretrainedMetadata.CropPct is 0 but must be in (0, 16]",
            "PretrainedMetadata.Mean has 1 values and the model has 2 channels, but there must be one value per channel",
            "PretrainedMetadata.ClassNames has 1 names and the model has 5 classes, but there must be one name per class");
        Directory.Exists(folder.File("model")).Should().BeFalse();
    }

    [Fact]
    public void FromPretrained_NoConfig_ThrowsNamingTheFile()
    {
        using var folder = new TempDirectory();

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"'{folder.File("config.json")}' does not exist: a model folder needs the config.json that SavePretrained or `vit export` writes.");
    }

    [Fact]
    public void FromPretrained_NoWeights_ThrowsNamingTheFile()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        SaveSmall(folder);
        File.Delete(folder.File("model.safetensors"));

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"'{folder.File("model.safetensors")}' does not exist*");
    }

    [Theory]
    [InlineData("not json", "is not valid JSON*")]
    [InlineData("[1, 2]", "is not a model config: expected a JSON object.")]
    public void FromPretrained_CorruptConfig_ThrowsNamingTheFile(string text, string problem)
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("config.json"), text);

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}' {problem}");
    }

    [Theory]
    [InlineData("vit_options", "embed_dim", null, "vit_options.embed_dim is missing.")]
    [InlineData("vit_options", "layer_scale_init", null, "vit_options.layer_scale_init is missing.")]
    [InlineData("vit_options", "pooling", "\"median\"", "vit_options.pooling is 'median'; expected one of class_token, mean, max, avg_max, attention_pool.")]
    [InlineData("vit_options", "depth", "\"6\"", "vit_options.depth is \"6\"; expected an integer.")]
    [InlineData("vit_options", "embed_width", "128", "vit_options.embed_width is not a VisionTransformerOptions field*")]
    [InlineData("vit_options", "num_heads", "5", "vit_options is invalid: VisionTransformerOptions.EmbedDim is 8 and NumHeads is 5, but EmbedDim must be divisible by NumHeads.")]
    [InlineData("pretrained_cfg", "mean", null, "pretrained_cfg.mean is missing.")]
    [InlineData("pretrained_cfg", "interpolation", "\"lanczos\"", "pretrained_cfg.interpolation is 'lanczos'; expected one of bilinear, bicubic, nearest.")]
    [InlineData("", "label_names", "[\"a\"]", "label_names has 1 names but num_classes is 3; give one name per class.")]
    [InlineData("", "vit_version", null, "vit_version is missing.")]
    [InlineData("", "vit_version", "\"latest\"", "vit_version is 'latest'; expected a version such as 0.1.0.")]
    [InlineData("", "vit_version", "\"0.2.0\"", "was written by Vit 0.2.0, which is newer than this Vit (0.1.0, reads configs up to 0.1.x); update the Vit packages to read it.")]
    public void FromPretrained_ConfigWithBadField_ThrowsNamingFileAndField(string section, string field, string? json, string problem)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        SaveSmall(folder);
        string path = folder.File("config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var target = section.Length == 0 ? config : config[section]!.AsObject();
        target.Remove(field);
        if (json is not null)
        {
            target[field] = JsonNode.Parse(json);
        }

        File.WriteAllText(path, config.ToJsonString());

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        string separator = problem.StartsWith("was written", StringComparison.Ordinal) ? " " : ": ";
        act.Should().Throw<InvalidDataException>().WithMessage($"'{path}'{separator}{problem}");
    }

    private static void SaveSmall(TempDirectory folder)
    {
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });
        model.SavePretrained(folder.Path);
    }
}
