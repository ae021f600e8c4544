using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Vit.Core;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Cli.Tests;

/// <summary>The vit tool: export writes a folder ImageClassifier and ImageEmbedder load with TorchSharp's answers; classify, embed; bad input exits 2 with one line.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class VitToolTests(ITestOutputHelper output)
{
    private static readonly string Image = TestFiles.InRepository("tests/Vit.Inference.Tests/Fixtures/images/rgb_50x40.png");

    private static VisionTransformer SavedModel(string folder, int numClasses = 4)
    {
        torch.manual_seed(7);
        var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 16, PatchSize = 4, InChannels = 3, NumClasses = numClasses, EmbedDim = 32, Depth = 2, NumHeads = 2 });
        model.eval();
        using (torch.no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.add_(torch.randn_like(parameter) * 0.1);
            }
        }

        model.SavePretrained(folder, new PretrainedMetadata { ClassNames = ["ant", "bee", "cat", "dog"], CropPct = 1.0 });
        return model;
    }

    [Fact]
    public void Export_VitFolder_WritesAFolderWhoseLogitsAndEmbeddingsAreTorchSharps()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var model = SavedModel(temp.File("model"));

        var (code, stdout, errors) = ToolRun.InProcess("export", temp.File("model"), temp.File("app"));

        code.Should().Be(0, errors);
        stdout.Should().StartWith($"wrote {temp.File("app")}: model.onnx (outputs logits, embeddings; opset 23; 2x32, 3x16x16)");
        Directory.GetFiles(temp.File("app")).Select(Path.GetFileName).Should().BeEquivalentTo("config.json", "model.onnx");
        Directory.GetDirectories(temp.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["model", "app"], "the staging folder was renamed, none is left");
        var images = torch.randn(3, 3, 16, 16);
        Tensor logits, embeddings;
        using (torch.no_grad())
        {
            var features = model.ForwardFeatures(images);
            (logits, embeddings) = (model.ForwardHead(features), model.ForwardHead(features, preLogits: true));
        }

        float[] input = images.data<float>().ToArray();
        using var classifier = ImageClassifier.Load(temp.File("app"));
        using var embedder = ImageEmbedder.Load(temp.File("app"));
        TensorAssert.Close(tensor(classifier.Logits(input, 3), [3, 4]), logits, atol: 1e-4, because: "logits");
        TensorAssert.Close(tensor(embedder.EmbedPrepared(input, 3), [3, 32]), embeddings, atol: 1e-4, because: "embeddings");
        classifier.ClassNames.Should().Equal("ant", "bee", "cat", "dog");
    }

    [Fact]
    public void Export_OutputsAndOpset_WritesThoseOutputsAtThatOpset()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var model = SavedModel(temp.File("model"));

        var (code, _, errors) = ToolRun.InProcess("export", temp.File("model"), temp.File("app"), "--outputs", "tokens,embeddings", "--opset", "17");

        code.Should().Be(0, errors);
        using var session = new InferenceSession(temp.File("app/model.onnx"));
        session.OutputMetadata.Keys.Should().Equal("embeddings", "tokens");
        session.OutputMetadata["tokens"].Dimensions.Should().Equal(-1, 17, 32);
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp.File("app/model.onnx")));
        proto.OpsetImport.Single(o => o.Domain.Length == 0).Version.Should().Be(17);
    }

    [Theory]
    [InlineData("int8", "DynamicQuantizeMatMul", 0.1)]
    [InlineData("fp16", "Cast", 1e-2)]
    public void Export_Quantize_WritesThatPrecisionWhichImageEmbedderLoads(string quantize, string operatorType, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        using var model = SavedModel(temp.File("model"));

        var (code, stdout, errors) = ToolRun.InProcess("export", temp.File("model"), temp.File("app"), "--quantize", quantize);

        code.Should().Be(0, errors);
        stdout.Should().StartWith($"wrote {temp.File("app")}: model.onnx (outputs logits, embeddings; opset 23; {quantize}; 2x32, 3x16x16)");
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp.File("app/model.onnx")));
        graph.Graph.Node.Select(n => n.OpType).Should().Contain(operatorType);
        var images = torch.randn(2, 3, 16, 16);
        Tensor embeddings;
        using (torch.no_grad())
        {
            embeddings = model.ForwardHead(model.ForwardFeatures(images), preLogits: true);
        }

        using var embedder = ImageEmbedder.Load(temp.File("app"));
        TensorAssert.Close(tensor(embedder.EmbedPrepared(images.data<float>().ToArray(), 2), [2, 32]), embeddings, atol: tolerance, because: $"{quantize} embeddings stay near float32's");
    }

    [Fact]
    public void ClassifyAndEmbed_ExportedFolder_PrintWhatVitInferenceGives()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        SavedModel(temp.File("model")).Dispose();
        ToolRun.InProcess("export", temp.File("model"), temp.File("app")).ExitCode.Should().Be(0);
        using var classifier = ImageClassifier.Load(temp.File("app"));
        using var embedder = ImageEmbedder.Load(temp.File("app"), new ImageEmbedderOptions { Normalize = true });
        var top = classifier.Classify(Image, 2);

        var classified = ToolRun.InProcess("classify", temp.File("app"), Image, "--top", "2");
        var embedded = ToolRun.InProcess("embed", temp.File("app"), Image, Image, "--normalize");

        classified.ExitCode.Should().Be(0, classified.Errors);
        classified.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            Image,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  1. {top[0].Label} ({top[0].ClassIndex}) {top[0].Probability:P2}"),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  2. {top[1].Label} ({top[1].ClassIndex}) {top[1].Probability:P2}"));
        embedded.ExitCode.Should().Be(0, embedded.Errors);
        var lines = embedded.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2);
        float[] printed = [.. lines[0].Split('\t')[1].Split(' ').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
        printed.Should().Equal(embedder.Embed(Image));
    }

    public static IEnumerable<object[]> BadCommandLines =>
    [
        [new[] { "export", "{temp}/none", "{temp}/app" }, "error: '{temp}/none' is not a folder; expected a model folder (config.json + model.safetensors)."],
        [new[] { "export", "{temp}/model", "{temp}/app", "--outputs", "logits,features" }, "error: --outputs names 'features'; expected a comma-separated list of logits, embeddings, tokens"],
        [new[] { "export", "{temp}/model", "{temp}/app", "--opset", "12" }, "error: OnnxExportOptions.Opset is 12 but must be in [17, 23]"],
        [new[] { "export", "{temp}/model", "{temp}/app", "--quantize", "int4" }, "error: --quantize is 'int4'; expected int8 or fp16."],
        [new[] { "export", "{temp}/model", "{temp}/model" }, "error: '{temp}/model' already exists and is not an empty folder; choose a new output folder."],
        [new[] { "export", "{temp}/model" }, "error: Required argument missing for command: 'export'. (vit --help lists the commands)"],
        [new[] { "classify", "{temp}/model", "{temp}/none.png" }, "error: '{temp}/model/model.onnx' does not exist: ImageClassifier needs the ONNX graph next to config.json (write it with model.ExportOnnx or `vit export`)."],
        [new[] { "embed", "{temp}/nothing", "x.png" }, "error: '{temp}/nothing/config.json' does not exist: a model folder needs the config.json that SavePretrained or `vit export` writes."],
    ];

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public void Run_BadInput_ExitsTwoWithOneErrorLineAndWritesNothing(string[] args, string error)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        SavedModel(temp.File("model")).Dispose();

        var (code, _, errors) = ToolRun.InProcess([.. args.Select(a => a.Replace("{temp}", temp.Path, StringComparison.Ordinal))]);

        code.Should().Be(2);
        errors.TrimEnd('\n').Should().Be(error.Replace("{temp}", temp.Path, StringComparison.Ordinal));
        Directory.GetDirectories(temp.Path).Select(Path.GetFileName).Should().Equal(["model"], "nothing is written");
    }

    [Fact]
    public void Export_AsItsOwnProcess_WritesTheFolderAndEmbedReadsIt()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        SavedModel(temp.File("model")).Dispose();

        var exported = ToolRun.AsProcess("export", temp.File("model"), temp.File("app"), "--outputs", "embeddings");
        var embedded = ToolRun.AsProcess("embed", temp.File("app"), Image);
        var refused = ToolRun.AsProcess("classify", temp.File("app"), Image);

        output.WriteLine(exported.Output + exported.Errors);
        exported.ExitCode.Should().Be(0, exported.Errors);
        embedded.ExitCode.Should().Be(0, embedded.Errors);
        embedded.Output.Split('\t')[1].Split(' ').Should().HaveCount(32);
        refused.ExitCode.Should().Be(2);
        refused.Errors.Should().StartWith($"error: '{temp.File("app/model.onnx")}' takes Single [-1, 3, 16, 16] and gives Single [-1, 32], but config.json describes Single [N, 3, 16, 16] images and Single [N, 4] logits");
    }
}
