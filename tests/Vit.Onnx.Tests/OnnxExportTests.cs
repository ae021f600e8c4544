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
    [InlineData(Pooling.ClassToken, 23, false, false)]
    [InlineData(Pooling.Mean, 23, false, false)]
    [InlineData(Pooling.ClassToken, 23, false, true)]
    [InlineData(Pooling.Mean, 23, false, true)]
    [InlineData(Pooling.ClassToken, 17, false, true)]
    [InlineData(Pooling.Mean, 17, false, false)]
    [InlineData(Pooling.ClassToken, 17, true, false)]
    [InlineData(Pooling.Mean, 17, true, true)]
    [InlineData(Pooling.ClassToken, 23, true, true)]
    public void ExportOnnx_LayerScaleQkvBiasOtherEpsilon_MatchesTorchSharpInEveryAttentionForm(Pooling pooling, int opset, bool onnxRuntimeAttention, bool qkvBias)
    {
        var options = new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4, MlpRatio = 2,
            Pooling = pooling, QkvBias = qkvBias, LayerScaleInit = 0.5, LayerNormEpsilon = 1e-5,
        };
        AssertMatchesTorchSharp(options, batch: 3, new OnnxExportOptions { Opset = opset, OnnxRuntimeAttention = onnxRuntimeAttention });
    }

    [Theory]
    [InlineData(17, Pooling.Mean)]
    [InlineData(18, Pooling.ClassToken)]
    [InlineData(20, Pooling.Mean)]
    [InlineData(21, Pooling.ClassToken)]
    [InlineData(23, Pooling.Mean)]
    [InlineData(23, Pooling.ClassToken)]
    public void ExportOnnx_Opset_WritesItAndStillMatches(int opset, Pooling pooling)
    {
        var options = new VisionTransformerOptions { ImageSize = 16, PatchSize = 4, InChannels = 3, NumClasses = 5, EmbedDim = 32, Depth = 2, NumHeads = 2, Pooling = pooling };
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

    /// <summary>The shape the samples and benchmarks export by default (6 x 128, 4 heads, MLP 2, patch 7 on 28x28x1, mean pooling).</summary>
    private static VisionTransformerOptions DefaultShape() => new()
    {
        ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 128, Depth = 6, NumHeads = 4, MlpRatio = 2, Pooling = Pooling.Mean,
    };

    [Fact]
    public void ExportOnnx_DefaultShape_OnnxRuntimeRunsFusedAttentionGeluAndGemmOnly()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var model = new VisionTransformer(DefaultShape());

        var counts = OptimizedNodeCounts(model.ToOnnxBytes());

        // What the default graph's speed rests on (docs/deployment.md): per block one fused Attention kernel, one
        // Gelu, Gemm for q/proj/fc1/fc2 (k and v are bias-free MatMuls), two single-kernel LayerNorms, two residual
        // Adds; nothing of the unfused attention pattern is left.
        counts.GetValueOrDefault("Attention").Should().Be(6);
        (counts.GetValueOrDefault("Gelu") + counts.GetValueOrDefault("com.microsoft.Gelu")).Should().Be(6);
        counts.GetValueOrDefault("Gemm").Should().Be((6 * 4) + 1, "q, proj, fc1, fc2 per block (the last fc2 on the pooled row) and the head");
        counts.GetValueOrDefault("MatMul").Should().Be(6 * 2);
        counts.GetValueOrDefault("LayerNormalization").Should().Be((6 * 2) + 1);
        counts.GetValueOrDefault("Add").Should().Be((6 * 2) + 1, "two residuals per block (the last one on the pooled row) and the position embedding");
        counts.Should().NotContainKeys("Softmax", "Erf", "Split", "Squeeze", "com.microsoft.SkipLayerNormalization");
        counts.GetValueOrDefault("Transpose").Should().Be(1, "only the patch tokens' [N, D, T] -> [N, T, D]");
        counts.GetValueOrDefault("Reshape").Should().Be((6 * 4) + 4, "[N*T, D] <-> [N, T, D] views around attention and pooling (free in ONNX Runtime)");
        counts.Values.Sum().Should().Be(108, "at batch 1 the time is largely per-node overhead (PyTorch's exporter's graph: 161 nodes)");
    }

    public static IEnumerable<object[]> Forms =>
    [
        [23, false, "Attention", 0],
        [17, false, "Softmax", 2],
        [20, false, "Softmax", 2],
        [17, true, "com.microsoft.Attention", 0],
        [23, true, "com.microsoft.Attention", 0],
    ];

    [Theory]
    [MemberData(nameof(Forms))]
    public void ExportOnnx_OptimizedByOnnxRuntime_EachAttentionFormFusesGeluGemmAndLayerNorm(int opset, bool onnxRuntimeAttention, string attentionNode, int softmaxNodes)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture("timm_vit_p4_32_rgb_cls.weights.safetensors"), FixtureOptions(Pooling.ClassToken));

        var counts = OptimizedNodeCounts(model.ToOnnxBytes(new OnnxExportOptions { Opset = opset, OnnxRuntimeAttention = onnxRuntimeAttention }));

        // 2 blocks: every GELU is one kernel (Gemm keeps fc1's bias); 2 LayerNorms per block + the final one.
        if (attentionNode != "Softmax")
        {
            counts.GetValueOrDefault(attentionNode).Should().Be(2);
        }

        counts.GetValueOrDefault("Softmax").Should().Be(softmaxNodes);
        counts.Should().NotContainKeys("Erf", "Split");
        (counts.GetValueOrDefault("Gelu") + counts.GetValueOrDefault("com.microsoft.Gelu")).Should().Be(2);
        counts.GetValueOrDefault("LayerNormalization").Should().Be(5);
        counts.GetValueOrDefault("Gemm").Should().BeGreaterThanOrEqualTo(onnxRuntimeAttention ? 7 : 9, "proj/fc1/fc2 (+ q) per block and the head are Gemms");
    }

    [Theory]
    [InlineData(17, false)]
    [InlineData(23, false)]
    [InlineData(17, true)]
    [InlineData(23, true)]
    public void ExportOnnx_EveryForm_PassesOnnxRuntimesStrictTypeAndShapeInference(int opset, bool onnxRuntimeAttention)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var mean = new VisionTransformer(DefaultShape());
        var cls = DefaultShape();
        cls.Pooling = Pooling.ClassToken;
        cls.Depth = 2;
        using var token = new VisionTransformer(cls);
        var export = new OnnxExportOptions { Opset = opset, OnnxRuntimeAttention = onnxRuntimeAttention };

        foreach (var model in new[] { mean, token })
        {
            // ONNX Runtime checks each node against its operator schema on load (onnx 1.12's Python checker predates opset 23).
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL };
            options.AddSessionConfigEntry("session.strict_shape_type_inference", "1");
            var act = () => new Microsoft.ML.OnnxRuntime.InferenceSession(model.ToOnnxBytes(export), options).Dispose();
            act.Should().NotThrow();
        }
    }

    private Dictionary<string, int> OptimizedNodeCounts(byte[] onnx)
    {
        using var folder = new TempDirectory();
        string optimized = folder.File("optimized.onnx");
        using (var options = OnnxRuntimeRunner.Options(optimized))
        using (new Microsoft.ML.OnnxRuntime.InferenceSession(onnx, options))
        {
        }

        var counts = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node
            .GroupBy(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}")
            .ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x{kv.Value}")));
        return counts;
    }

    private byte[] AssertMatchesTorchSharp(VisionTransformerOptions options, int batch, OnnxExportOptions exportOptions)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var model = new VisionTransformer(options);
        model.eval();
        using (torch.no_grad())
        {
            // Away from the init (zero biases, unit norms, LayerScale's constant), so every fold is exercised.
            foreach (var parameter in model.parameters())
            {
                parameter.add_(torch.randn_like(parameter) * 0.1);
            }
        }

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
