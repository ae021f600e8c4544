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

    public static IEnumerable<object[]> Presets => VisionTransformerOptions.PresetNames.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Presets))]
    public void ExportOnnx_EveryPresetWithOneBlock_MatchesTorchSharp(string preset)
    {
        var options = VisionTransformerOptions.FromPreset(preset);
        options.Depth = 1;
        AssertMatchesTorchSharp(options, batch: 2, new OnnxExportOptions());
    }

    [Theory]
    [InlineData(Pooling.ClassToken, false)]
    [InlineData(Pooling.Mean, false)]
    [InlineData(Pooling.ClassToken, true)]
    [InlineData(Pooling.Mean, true)]
    public void ExportOnnx_LayerScaleNoQkvBiasOtherEpsilon_MatchesTorchSharp(Pooling pooling, bool onnxRuntimeAttention)
    {
        var options = new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4, MlpRatio = 2,
            Pooling = pooling, QkvBias = false, LayerScaleInit = 0.5, LayerNormEpsilon = 1e-5,
        };
        AssertMatchesTorchSharp(options, batch: 3, new OnnxExportOptions { OnnxRuntimeAttention = onnxRuntimeAttention });
    }

    [Theory]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(21)]
    public void ExportOnnx_Opset_WritesItAndStillMatches(int opset)
    {
        var options = new VisionTransformerOptions { ImageSize = 16, PatchSize = 4, InChannels = 3, NumClasses = 5, EmbedDim = 32, Depth = 1, NumHeads = 2, Pooling = Pooling.Mean };
        var bytes = AssertMatchesTorchSharp(options, batch: 2, new OnnxExportOptions { Opset = opset });

        var proto = ModelProto.Parser.ParseFrom(bytes);
        proto.OpsetImport.Single(o => o.Domain.Length == 0).Version.Should().Be(opset);
        proto.Graph.Input.Single().Name.Should().Be("images");
        proto.Graph.Output.Single().Name.Should().Be("logits");
    }

    [Fact]
    public void ExportOnnx_DynamicBatchOff_FixesTheBatchDimension()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        var dynamicGraph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes()).Graph;
        var fixedGraph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes(new OnnxExportOptions { DynamicBatch = false, BatchSize = 4 })).Graph;

        dynamicGraph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).Should().Equal("N", "3", "8", "8");
        dynamicGraph.Output[0].Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).Should().Equal("N", "3");
        fixedGraph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue).Should().Equal(4, 3, 8, 8);
        fixedGraph.Output[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue).Should().Equal(4, 3);
    }

    [Fact]
    public void ExportOnnx_WritesTheFileWhole()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        model.ExportOnnx(folder.File("sub/model.onnx"));

        File.ReadAllBytes(folder.File("sub/model.onnx")).Should().Equal(model.ToOnnxBytes());
        Directory.GetFiles(folder.File("sub")).Should().ContainSingle("no temporary file is left");
    }

    [Fact]
    public void ExportOnnx_InvalidOptions_ThrowsNamingEachField()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        var act = () => model.ToOnnxBytes(new OnnxExportOptions { Opset = 13, BatchSize = 0 });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Equal(
            "OnnxExportOptions.Opset is 13 but must be in [17, 23]",
            "OnnxExportOptions.BatchSize is 0 but must be at least 1");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExportOnnx_OptimizedByOnnxRuntime_FusesGeluKeepsLayerNormalization(bool onnxRuntimeAttention)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.weights.safetensors"), FixtureOptions(Pooling.ClassToken));
        string optimized = folder.File("optimized.onnx");
        using (var options = OnnxRuntimeRunner.Options(optimized))
        using (new Microsoft.ML.OnnxRuntime.InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { OnnxRuntimeAttention = onnxRuntimeAttention }), options))
        {
        }

        var counts = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node
            .GroupBy(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}")
            .ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x{kv.Value}")));

        // 2 blocks: every Erf-GELU pattern (with fc1's bias Add) became one BiasGelu; 2 LayerNorms per block + the final one.
        counts.Should().NotContainKey("Erf");
        counts.GetValueOrDefault("com.microsoft.BiasGelu").Should().Be(2);
        (counts.GetValueOrDefault("LayerNormalization") + counts.GetValueOrDefault("com.microsoft.SkipLayerNormalization")).Should().Be(5);
        if (onnxRuntimeAttention)
        {
            counts.GetValueOrDefault("com.microsoft.MultiHeadAttention").Should().Be(2);
            counts.Should().NotContainKey("Softmax");
        }
        else
        {
            counts.GetValueOrDefault("Softmax").Should().Be(2);
        }
    }

    private byte[] AssertMatchesTorchSharp(VisionTransformerOptions options, int batch, OnnxExportOptions exportOptions)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var model = new VisionTransformer(options);
        model.eval();
        var images = torch.randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        Tensor expected;
        using (torch.no_grad())
        {
            expected = model.forward(images);
        }

        byte[] onnx = model.ToOnnxBytes(exportOptions);

        var actual = OnnxRuntimeRunner.Run(onnx, images);
        double diff = TensorAssert.Close(actual, expected, atol: 1e-4, because: "ONNX Runtime's logits");
        output.WriteLine($"{options.EmbedDim}x{options.Depth} {options.Pooling}: max abs diff {diff:E2}");
        return onnx;
    }
}
