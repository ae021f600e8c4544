using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>Float16: float16 weights and arithmetic inside, float32 at the graph's input and output.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class Float16ConversionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Pooling.ClassToken, 23)]
    [InlineData(Pooling.Mean, 17)]
    public void ExportOnnx_Float16_OnnxRuntimeCpuGivesFloat32LogitsWithin1e2(Pooling pooling, int opset)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(21);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 192, Depth = 4, NumHeads = 3, Pooling = pooling,
        });
        model.eval();
        var images = randn(16, 3, 32, 32);

        var reference = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { Opset = opset }), images);
        var half = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { Opset = opset, Precision = OnnxPrecision.Float16 }), images);

        double difference = (half - reference).abs().max().item<float>();
        output.WriteLine($"{pooling}, opset {opset}: max |fp16 - fp32| = {difference:E2} (largest logit {reference.abs().max().item<float>():F3})");
        difference.Should().BeLessThan(1e-2);
    }

    [Fact]
    public void ExportOnnx_Float16_WeightsAreFloat16AndTheGraphKeepsFloat32InputAndOutput()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 16, PatchSize = 4, NumClasses = 5, EmbedDim = 32, Depth = 2, NumHeads = 2 });

        byte[] bytes = model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Float16 });
        var graph = ModelProto.Parser.ParseFrom(bytes).Graph;

        graph.Initializer.Should().OnlyContain(t => t.DataType == (int)TensorProto.Types.DataType.Float16 || t.DataType == (int)TensorProto.Types.DataType.Int64);
        graph.Node.First().OpType.Should().Be("Cast");
        graph.Node.Last().OpType.Should().Be("Cast");
        using var session = new InferenceSession(bytes);
        session.InputMetadata["images"].ElementType.Should().Be<float>();
        session.OutputMetadata["logits"].ElementType.Should().Be<float>();
        session.ModelMetadata.CustomMetadataMap["vit_precision"].Should().Be("float16");
    }
}
