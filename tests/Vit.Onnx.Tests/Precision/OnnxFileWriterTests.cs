using System.Text.Json.Nodes;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using Vit.Core;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>Export to files: external data beside the graph, config.json's record of each file, nothing half-written on failure.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class OnnxFileWriterTests(ITestOutputHelper output)
{
    private static VisionTransformerOptions Shape() => new()
    {
        ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4, MlpRatio = 2, Pooling = Pooling.Mean,
    };

    [Fact]
    public void ExportOnnx_ExternalDataAlways_WritesWeightsBesideTheGraphAndOnnxRuntimeGivesTheSameLogits()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        torch.manual_seed(31);
        using var model = new VisionTransformer(Shape());
        model.eval();
        var images = randn(4, 1, 28, 28);

        model.ExportOnnx(folder.File("model.onnx"), new OnnxExportOptions { ExternalData = OnnxExternalData.Always });

        Directory.GetFiles(folder.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["model.onnx", "model.onnx.data"]);
        long graphBytes = new FileInfo(folder.File("model.onnx")).Length, dataBytes = new FileInfo(folder.File("model.onnx.data")).Length;
        output.WriteLine($"graph {graphBytes:N0} bytes, data {dataBytes:N0} bytes");
        graphBytes.Should().BeLessThan(20_000);
        var external = ModelProto.Parser.ParseFrom(File.ReadAllBytes(folder.File("model.onnx"))).Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        external.Should().NotBeEmpty();
        external.Should().OnlyContain(t => t.ExternalData.Single(e => e.Key == "location").Value == "model.onnx.data");
        external.Should().OnlyContain(t => long.Parse(t.ExternalData.Single(e => e.Key == "offset").Value, System.Globalization.CultureInfo.InvariantCulture) % 4096 == 0);
        using var session = new InferenceSession(folder.File("model.onnx"), OnnxRuntimeRunner.Options());
        double difference = (OnnxRuntimeRunner.Run(session, images) - OnnxRuntimeRunner.Run(model.ToOnnxBytes(), images)).abs().max().item<float>();
        difference.Should().Be(0);
    }

    [Fact]
    public void ExportOnnx_InlineOverAnExternalExport_RemovesTheStaleDataFile()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(Shape());
        model.ExportOnnx(folder.File("model.onnx"), new OnnxExportOptions { ExternalData = OnnxExternalData.Always });

        model.ExportOnnx(folder.File("model.onnx"));

        Directory.GetFiles(folder.Path).Select(Path.GetFileName).Should().Equal("model.onnx");
    }

    [Fact]
    public void ExportOnnx_IntoAModelFolder_ConfigRecordsEachFileAndImageClassifierLoadsEveryPrecision()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        torch.manual_seed(32);
        using var model = new VisionTransformer(Shape());
        model.eval();
        model.SavePretrained(folder.Path, new PretrainedMetadata { Mean = [0.286f], Std = [0.353f], CropPct = 1.0, Interpolation = ResizeInterpolation.Bilinear });

        model.ExportOnnx(folder.File("model.onnx"));
        model.ExportOnnx(folder.File("model-fp16.onnx"), new OnnxExportOptions { Precision = OnnxPrecision.Float16 });
        model.ExportOnnx(folder.File("model-int8.onnx"), new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic, ExternalData = OnnxExternalData.Always });

        var files = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!["onnx_files"]!.AsObject();
        files.Select(f => (f.Key, (string?)f.Value!["precision"], (string?)f.Value!["external_data"])).Should().Equal(
            ("model.onnx", "float32", null), ("model-fp16.onnx", "float16", null), ("model-int8.onnx", "int8_dynamic", "model-int8.onnx.data"));
        var images = randn(8, 1, 28, 28).data<float>().ToArray();
        var logits = new Dictionary<string, float[]>();
        foreach (string file in new[] { "model.onnx", "model-fp16.onnx", "model-int8.onnx" })
        {
            using var classifier = ImageClassifier.Load(folder.Path, new ImageClassifierOptions { ModelFileName = file });
            logits[file] = classifier.Logits(images, 8);
        }

        double Difference(string file) => logits[file].Zip(logits["model.onnx"], (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"max |fp16 - fp32| {Difference("model-fp16.onnx"):E2}, max |int8 - fp32| {Difference("model-int8.onnx"):E2}, largest |logit| {logits["model.onnx"].Max(Math.Abs):F3}");
        Difference("model-fp16.onnx").Should().BeLessThan(1e-2);
        Difference("model-int8.onnx").Should().BeLessThan(0.03 * logits["model.onnx"].Max(Math.Abs));
    }

    [Fact]
    public void ExportOnnx_ConfigIsNotJson_ThrowsAndWritesNothing()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(Shape());
        File.WriteAllText(folder.File("config.json"), "{ not json");

        var act = () => model.ExportOnnx(folder.File("model.onnx"), new OnnxExportOptions { ExternalData = OnnxExternalData.Always });

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}' is not valid JSON, so the export cannot record the graph's precision in it; nothing was written*");
        Directory.GetFiles(folder.Path).Select(Path.GetFileName).Should().Equal("config.json");
        File.ReadAllText(folder.File("config.json")).Should().Be("{ not json");
    }

    [Fact]
    public void ExportOnnx_FolderWhereTheGraphGoes_ThrowsBeforeWritingAnything()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(Shape());
        Directory.CreateDirectory(folder.File("model.onnx"));

        var act = () => model.ExportOnnx(folder.File("model.onnx"), new OnnxExportOptions { ExternalData = OnnxExternalData.Always });

        act.Should().Throw<IOException>().WithMessage($"'{folder.File("model.onnx")}' is a folder, so the export cannot put its file there; nothing was written.");
        Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).Should().Equal("model.onnx");
        Directory.GetFileSystemEntries(folder.File("model.onnx")).Should().BeEmpty();
    }

    [Fact]
    public void ToOnnxBytes_ExternalDataAlways_ThrowsPointingToExportOnnx()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(Shape());

        var act = () => model.ToOnnxBytes(new OnnxExportOptions { ExternalData = OnnxExternalData.Always });

        act.Should().Throw<InvalidOperationException>().WithMessage("ToOnnxBytes returns one in-memory graph, which cannot hold external data (ExternalData is Always*use ExportOnnx to a file.");
    }
}
