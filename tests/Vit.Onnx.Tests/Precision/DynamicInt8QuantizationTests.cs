using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>Int8Dynamic: every linear layer becomes DynamicQuantizeMatMul; ONNX Runtime's logits stay close to float32's.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class DynamicInt8QuantizationTests(ITestOutputHelper output)
{
    private static VisionTransformerOptions Shape(Pooling pooling) => new()
    {
        ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 192, Depth = 4, NumHeads = 3, MlpRatio = 4, Pooling = pooling,
    };

    [Theory]
    [InlineData(Pooling.ClassToken)]
    [InlineData(Pooling.Mean)]
    public void ExportOnnx_Int8Dynamic_LogitsWithin8PercentOfTheLargestAndSameTopClass(Pooling pooling)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var model = new VisionTransformer(Shape(pooling));
        model.eval();
        var images = randn(64, 3, 32, 32);

        var reference = OnnxRuntimeRunner.Run(model.ToOnnxBytes(), images);
        var quantized = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic }), images);

        double scale = reference.abs().max().item<float>();
        double relative = (quantized - reference).abs().max().item<float>() / scale;
        double agreement = (quantized.argmax(1) == reference.argmax(1)).to(ScalarType.Float32).mean().item<float>();
        output.WriteLine($"{pooling}: max |int8 - fp32| / max |fp32| = {relative:F4} (largest logit {scale:F3}); top-1 agreement {agreement:P1} of 64");
        relative.Should().BeLessThan(0.08, "random weights on noise; measured 0.055 (class token) and 0.013 (mean)");
        agreement.Should().BeGreaterThanOrEqualTo(62 / 64.0);
    }

    [Fact]
    public void ExportOnnx_Int8Dynamic_EveryLinearLayerIsQuantizedAndTheRestStaysFloat32()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(12);
        using var model = new VisionTransformer(Shape(Pooling.ClassToken));

        var graph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic })).Graph;

        var quantized = graph.Node.Where(n => n.OpType == "DynamicQuantizeMatMul").ToList();
        quantized.Should().HaveCount((4 * 6) + 1, "q, k, v, proj, fc1, fc2 in each of 4 blocks and the head");
        quantized.Should().OnlyContain(n => n.Domain == "com.microsoft");
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        quantized.Select(n => initializers[n.Input[1]].DataType).Should().OnlyContain(t => t == (int)TensorProto.Types.DataType.Int8);
        quantized.Select(n => initializers[n.Input[2]].Dims.Single()).Should().Equal(quantized.Select(n => initializers[n.Input[1]].Dims[1]), "one scale per output channel");
        graph.Node.Where(n => n.OpType is "MatMul" or "Gemm").Should().BeEmpty();
        graph.Node.Count(n => n.OpType == "LayerNormalization").Should().Be((4 * 2) + 1);
        graph.Node.Count(n => n.OpType == "Gelu").Should().Be(4);
        graph.Node.Single(n => n.OpType == "Conv").Input.Skip(1).Select(i => initializers[i].DataType).Should().OnlyContain(t => t == (int)TensorProto.Types.DataType.Float, "the patch embedding stays float32");
        graph.Initializer.Select(t => t.Name).Should().NotContain(n => n.EndsWith(".weight_t", StringComparison.Ordinal) && !n.EndsWith("_int8", StringComparison.Ordinal), "the float32 copies of quantized weights are dropped");
        graph.Input.Single().Type.TensorType.ElemType.Should().Be((int)TensorProto.Types.DataType.Float);
        graph.Output.Single().Type.TensorType.ElemType.Should().Be((int)TensorProto.Types.DataType.Float);
    }

    [Theory]
    [InlineData(OnnxPrecision.Int8Dynamic, 17)]
    [InlineData(OnnxPrecision.Int8Dynamic, 23)]
    [InlineData(OnnxPrecision.Float16, 17)]
    [InlineData(OnnxPrecision.Float16, 23)]
    public void ExportOnnx_EachPrecision_PassesOnnxRuntimesStrictTypeAndShapeInference(OnnxPrecision precision, int opset)
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(Shape(Pooling.ClassToken));
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        options.AddSessionConfigEntry("session.strict_shape_type_inference", "1");

        var act = () => new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Precision = precision, Opset = opset }), options).Dispose();

        act.Should().NotThrow();
    }

    [Fact]
    public void ExportOnnx_Int8Dynamic_FileIsAtMostAThirdOfFloat32()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(13);
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 384, Depth = 2, NumHeads = 6 });

        long float32 = model.ToOnnxBytes().LongLength;
        long int8 = model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic }).LongLength;

        output.WriteLine($"float32 {float32:N0} bytes, int8 {int8:N0} bytes: {(double)int8 / float32:F3}x");
        ((double)int8 / float32).Should().BeLessThan(0.3);
    }

    [Fact]
    public void ExportOnnx_Int8DynamicWithOnnxRuntimeAttention_ThrowsBeforeWritingAnything()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        var act = () => model.ExportOnnx(folder.File("out/model.onnx"), new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic, OnnxRuntimeAttention = true, Opset = 17 });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Equal(
            "OnnxExportOptions.Precision is Int8Dynamic and OnnxRuntimeAttention is true, but com.microsoft.Attention computes the q/k/v projection inside its kernel in float32, where int8 cannot reach it; set OnnxRuntimeAttention to false to quantize");
        Directory.Exists(folder.File("out")).Should().BeFalse();
    }

    [Fact]
    public void Apply_GemmWithTransposedInput_ThrowsNamingTheNode()
    {
        var model = new ModelProto { Graph = new GraphProto() };
        model.Graph.Initializer.Add(InitializerData.Create("w", [1f, 2f, 3f, 4f], 2, 2));
        var gemm = new NodeProto { OpType = "Gemm", Name = "odd_gemm" };
        gemm.Input.AddRange(["x", "w"]);
        gemm.Output.Add("y");
        gemm.Attribute.Add(new AttributeProto { Name = "transA", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        model.Graph.Node.Add(gemm);

        var act = () => DynamicInt8Quantization.Apply(model);

        act.Should().Throw<NotSupportedException>().WithMessage("Int8Dynamic cannot quantize Gemm 'odd_gemm' (alpha 1, beta 1, transA 1): DynamicQuantizeMatMul computes A·B + bias only.");
    }

    [Fact]
    public void Apply_GraphWithoutLinearLayers_Throws()
    {
        var model = new ModelProto { Graph = new GraphProto() };
        var relu = new NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("x");
        relu.Output.Add("y");
        model.Graph.Node.Add(relu);

        var act = () => DynamicInt8Quantization.Apply(model);

        act.Should().Throw<NotSupportedException>().WithMessage("Int8Dynamic found no linear layer*");
    }
}
