using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Pretrained;

/// <summary>
/// FromPretrained on folders that lie: every failure is an <see cref="InvalidDataException"/> naming the file and the
/// field, and sizes are checked against the weights' header before anything is built (no allocation the file cannot justify).
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class PretrainedBadInputTests
{
    [Theory]
    [InlineData("depth", "20000", "depth is 20000 but '{weights}' holds 2 blocks; nothing was built.")]
    [InlineData("embed_dim", "65536", "embed_dim is 65536 but '{weights}' holds patch_embed.proj.weight with 64 there; nothing was built.")]
    [InlineData("mlp_ratio", "1e300", "mlp_ratio is 1E+300 but '{weights}' holds an MLP 256 wide (blocks.0.mlp.fc1.weight), not embed_dim x mlp_ratio = 6.4E+301; nothing was built.")]
    [InlineData("num_classes", "1000000", "num_classes is 1000000 but '{weights}' holds head.weight with 10 there; nothing was built.")]
    [InlineData("img_size", "80000", "img_size is 80000 but '{weights}' holds position embeddings for 17 tokens, and a grid of 100000000 patches is more than 64 times that; nothing was built.")]
    public void FromPretrained_TimmSizeTheWeightsCannotHold_ThrowsBeforeBuilding(string field, string value, string problem)
    {
        using var folder = CopyFixture("qk_norm");
        EditConfig(folder, c =>
        {
            c["model_args"]![field] = JsonNode.Parse(value);
            c.Remove("num_features"); // informational in timm; checked against embed_dim when present
        });

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': {problem.Replace("{weights}", folder.File("model.safetensors"), StringComparison.Ordinal)}");
    }

    [Fact]
    public void FromPretrained_VitFolderDepthTheWeightsCannotHold_ThrowsBeforeBuilding()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using (var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 }))
        {
            model.SavePretrained(folder.Path);
        }

        EditConfig(folder, c =>
        {
            c["model_args"]!["depth"] = 20000;
            c["vit_options"]!["depth"] = 20000;
        });

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': vit_options.depth is 20000 but '{folder.File("model.safetensors")}' holds 1 blocks; nothing was built.");
    }

    [Theory]
    [InlineData("global_pool", "\"avg\"", "global_pool 'avg' (vit_options: 'token')")]
    [InlineData("num_features", "16", "num_features 16 (vit_options: embed_dim 8)")]
    [InlineData("architecture", "\"deit3_small_patch16_224\"", "init_values 1E-06 (vit_options: null); no_embed_class true (vit_options: false)")]
    public void FromPretrained_VitFolderWhoseTimmFieldsDisagreeWithVitOptions_ThrowsListingTheDifferences(string field, string value, string difference)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using (var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 }))
        {
            model.SavePretrained(folder.Path);
        }

        string architecture = field == "architecture" ? "deit3_small_patch16_224" : "vit_tiny_patch16_224";
        EditConfig(folder, c =>
        {
            c[field] = JsonNode.Parse(value);
            c["model_args"]!.AsObject().Remove("init_values");
            c["model_args"]!.AsObject().Remove("no_embed_class");
        });

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': architecture '{architecture}' with model_args builds another model than vit_options: {difference}.");
    }

    [Fact]
    public void FromPretrained_VitFolderModelArgsEdited_ThrowsNamingTheField()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using (var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 }))
        {
            model.SavePretrained(folder.Path);
        }

        EditConfig(folder, c => c["model_args"]!["num_heads"] = 4);

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': architecture 'vit_tiny_patch16_224' with model_args builds another model than vit_options: num_heads 4 (vit_options: 2).");
    }

    [Theory]
    [InlineData("architecture", "\"vit_base_patch16_2244\"", "architecture is 'vit_base_patch16_2244', which is not a timm ViT architecture Vit knows; the closest are vit_base_patch16_224, deit_base_patch16_224, vit_base_patch16_384.")]
    [InlineData("model_args", "{\"rope_type\": \"axial\"}", "model_args.rope_type is not an argument of timm's VisionTransformer.")]
    [InlineData("model_args", "{\"block_fn\": \"ParallelScalingBlock\"}", "model_args.block_fn is ParallelScalingBlock; Vit builds timm's standard Block only (no parallel, res-post or differential-attention blocks).")]
    [InlineData("model_args", "{\"pos_embed\": \"none\"}", "model_args.pos_embed is 'none'; Vit builds learned absolute position embeddings only ('learn'; no RoPE or relative position bias).")]
    [InlineData("model_args", "{\"act_layer\": \"mish\"}", "model_args.act_layer is mish; Vit builds gelu, gelu_tanh, quick_gelu and silu.")]
    [InlineData("model_args", "{\"depth\": \"2\"}", "model_args.depth is \"2\"; expected an integer.")]
    [InlineData("global_pool", "\"avg\"", "global_pool is 'avg' but the architecture and model_args build 'token' pooling.")]
    public void FromPretrained_TimmConfigVitCannotBuild_ThrowsNamingTheField(string field, string value, string problem)
    {
        using var folder = CopyFixture("qk_norm");
        EditConfig(folder, c => c[field] = JsonNode.Parse(value));

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': {problem}");
    }

    [Fact]
    public void FromPretrained_TimmArchitectureWithAnotherBlock_ThrowsNamingTheTimmArgument()
    {
        using var folder = CopyFixture("qk_norm");
        EditConfig(folder, c => c["architecture"] = "vit_base_patch16_rpn_224");

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': architecture 'vit_base_patch16_rpn_224' has block_fn that Vit cannot build: block_fn is ResPostBlock; Vit builds timm's standard Block only (no parallel, res-post or differential-attention blocks).");
    }

    [Theory]
    [InlineData("model_type", "\"swin\"", "model_type is 'swin'; Vit reads transformers' 'vit' (ViTModel, ViTForImageClassification) and 'dinov2' (Dinov2Model).")]
    [InlineData("architectures", "[\"ViTForMaskedImageModeling\"]", "architectures is [ViTForMaskedImageModeling]; Vit reads ViTModel, ViTForImageClassification for this model_type.")]
    [InlineData("hidden_act", "\"relu\"", "hidden_act is 'relu'; Vit builds gelu, gelu_pytorch_tanh, gelu_new, quick_gelu and silu.")]
    [InlineData("num_hidden_layers", "20000", "num_hidden_layers is 20000 but '{weights}' holds 2 blocks; nothing was built.")]
    [InlineData("intermediate_size", "1000000000", "intermediate_size is 15625000 but '{weights}' holds an MLP 256 wide (blocks.0.mlp.fc1.weight), not embed_dim x mlp_ratio = 1000000000; nothing was built.")]
    public void FromPretrained_TransformersConfigVitCannotBuild_ThrowsNamingTheField(string field, string value, string problem)
    {
        using var folder = CopyFixture("hf_vit_classifier");
        EditConfig(folder, c => c[field] = JsonNode.Parse(value));

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}': {problem.Replace("{weights}", folder.File("model.safetensors"), StringComparison.Ordinal)}");
    }

    [Fact]
    public void FromPretrained_OnlyPytorchPickle_ThrowsSayingSafetensorsIsRequiredAndHowToConvert()
    {
        using var folder = CopyFixture("hf_vit_model");
        File.Move(folder.File("model.safetensors"), folder.File("pytorch_model.bin"));

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{folder.File("pytorch_model.bin")}' is a PyTorch pickle, which Vit does not load (unpickling can run code); Vit reads model.safetensors. " +
            "Convert it once with Python: import torch; from safetensors.torch import save_file; save_file(torch.load('pytorch_model.bin', weights_only=True), 'model.safetensors') (or download the repository's model.safetensors).");
    }

    [Fact]
    public void FromPretrained_ConfigOfNoKnownLayout_ThrowsNamingTheFields()
    {
        using var folder = CopyFixture("hf_vit_model");
        File.WriteAllText(folder.File("config.json"), "{\"hidden_size\": 64}");

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}' is not a model config Vit knows: expected 'architecture' (timm), 'model_type' (transformers) or 'vit_options' (Vit).");
    }

    [Fact]
    public void FromPretrained_TransformersWeightsMissingALayer_ListsEveryMissingKeyAndLoadsNothing()
    {
        using var scope = NewDisposeScope();
        using var folder = CopyFixture("hf_vit_classifier");
        var tensors = SafeTensors.Load(folder.File("model.safetensors"));
        tensors.Remove("vit.encoder.layer.1.attention.attention.key.weight");
        tensors.Remove("vit.encoder.layer.1.attention.attention.key.bias");
        SafeTensors.Save(folder.File("model.safetensors"), tensors);

        var act = () => VisionTransformer.FromPretrained(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{folder.File("model.safetensors")}' does not fit a VisionTransformer * (2 problems; nothing was loaded):*" +
            "'blocks.1.attn.qkv.weight' expected [192, 64], got [128, 64]*'blocks.1.attn.qkv.bias' expected [192], got [128]*");
    }

    private static TempDirectory CopyFixture(string name)
    {
        var folder = new TempDirectory();
        foreach (string file in (string[])["config.json", "model.safetensors"])
        {
            File.Copy(Path.Combine(PretrainedFixtureTests.Folder(name), file), folder.File(file));
        }

        return folder;
    }

    private static void EditConfig(TempDirectory folder, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());
    }
}
