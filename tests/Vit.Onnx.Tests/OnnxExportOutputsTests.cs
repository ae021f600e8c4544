using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Onnx.Tests;

/// <summary>OnnxExportOptions.Outputs: logits, embeddings (pre-logits) and tokens, alone or together, equal timm's and TorchSharp's.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class OnnxExportOutputsTests(ITestOutputHelper output)
{
    private static VisionTransformerOptions FixtureOptions(Pooling pooling) => new()
    {
        ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 192, Depth = 2, NumHeads = 3, MlpRatio = 4, Pooling = pooling,
    };

    [Theory]
    [InlineData("cls", Pooling.ClassToken)]
    [InlineData("avg", Pooling.Mean)]
    public void ExportOnnx_AllOutputsOfTheTimmFixture_EqualTimmsFeaturesPreLogitsAndLogits(string name, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.LoadTimm(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.weights.safetensors"), FixtureOptions(pooling));
        var io = SafeTensors.Load(TestFiles.Fixture($"timm_vit_p4_32_rgb_{name}.io.safetensors"));

        var actual = Run(model.ToOnnxBytes(new OnnxExportOptions { Outputs = OnnxOutputs.Logits | OnnxOutputs.Embeddings | OnnxOutputs.Tokens }), io["input"]);

        actual.Keys.Should().Equal("logits", "embeddings", "tokens");
        output.WriteLine($"{name}: logits {TensorAssert.Close(actual["logits"], io["logits"], atol: 1e-4):E2}, " +
            $"embeddings {TensorAssert.Close(actual["embeddings"], io["pre_logits"], atol: 1e-4):E2}, tokens {TensorAssert.Close(actual["tokens"], io["features"], atol: 1e-4):E2}");
    }

    [Theory]
    [InlineData(Pooling.ClassToken, OnnxOutputs.Embeddings, 23)]
    [InlineData(Pooling.Mean, OnnxOutputs.Embeddings, 23)]
    [InlineData(Pooling.ClassToken, OnnxOutputs.Tokens, 23)]
    [InlineData(Pooling.Mean, OnnxOutputs.Tokens, 17)]
    [InlineData(Pooling.ClassToken, OnnxOutputs.Logits | OnnxOutputs.Tokens, 17)]
    [InlineData(Pooling.Mean, OnnxOutputs.Logits | OnnxOutputs.Embeddings, 17)]
    [InlineData(Pooling.ClassToken, OnnxOutputs.Embeddings | OnnxOutputs.Tokens, 20)]
    public void ExportOnnx_EachSubsetOfOutputs_MatchesTorchSharpAtTwoBatchSizesOfOneSession(Pooling pooling, OnnxOutputs outputs, int opset)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(17);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4, MlpRatio = 2, Pooling = pooling, LayerScaleInit = 0.5,
        });
        model.eval();
        using (torch.no_grad())
        {
            // Away from the init (zero biases, unit norms), so the norms and pooling are exercised.
            foreach (var parameter in model.parameters())
            {
                parameter.add_(torch.randn_like(parameter) * 0.1);
            }
        }

        var images = torch.randn(3, 1, 28, 28);
        Dictionary<string, Tensor> expected;
        using (torch.no_grad())
        {
            var features = model.ForwardFeatures(images);
            expected = new() { ["logits"] = model.ForwardHead(features), ["embeddings"] = model.ForwardHead(features, preLogits: true), ["tokens"] = features };
        }

        byte[] onnx = model.ToOnnxBytes(new OnnxExportOptions { Outputs = outputs, Opset = opset });
        using var options = OnnxRuntimeRunner.Options();
        using var session = new InferenceSession(onnx, options);
        var all = Run(session, images);
        var first = Run(session, images[..1]);

        all.Keys.Should().Equal(OnnxExport.OutputNames(outputs));
        foreach (var (key, value) in all)
        {
            output.WriteLine($"{key}: max abs diff {TensorAssert.Close(value, expected[key], atol: 1e-4, because: key):E2}");
            TensorAssert.Close(first[key], expected[key][..1], atol: 1e-4, because: key + " at batch 1");
        }
    }

    [Fact]
    public void ExportOnnx_TokensAndEmbeddings_DeclaresEachOutputsShapeWithTheBatchSymbol()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        var graph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes(new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings | OnnxOutputs.Tokens })).Graph;

        graph.Output.Select(o => o.Name).Should().Equal("embeddings", "tokens");
        graph.Output.Select(o => string.Join(",", o.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Should().Equal("N,8", "N,5,8");
    }

    [Fact]
    public void ExportOnnx_HeadlessModelEmbeddings_EqualItsPreLogits()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 16, PatchSize = 4, NumClasses = 0, EmbedDim = 32, Depth = 2, NumHeads = 2 });
        model.eval();
        var images = torch.randn(2, 3, 16, 16);
        Tensor expected;
        using (torch.no_grad())
        {
            expected = model.ForwardHead(model.ForwardFeatures(images), preLogits: true);
        }

        var actual = Run(model.ToOnnxBytes(new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings }), images);

        TensorAssert.Close(actual["embeddings"], expected, atol: 1e-5);
    }

    [Fact]
    public void ExportOnnx_NoOutputs_ThrowsNamingTheField()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

        var act = () => model.ToOnnxBytes(new OnnxExportOptions { Outputs = 0 });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Equal(
            "OnnxExportOptions.Outputs is 0 but must be a combination of Logits, Embeddings, Tokens");
    }

    private static Dictionary<string, Tensor> Run(byte[] onnx, Tensor images)
    {
        using var options = OnnxRuntimeRunner.Options();
        using var session = new InferenceSession(onnx, options);
        return Run(session, images);
    }

    private static Dictionary<string, Tensor> Run(InferenceSession session, Tensor images)
    {
        var input = images.contiguous().cpu();
        var dense = new DenseTensor<float>(input.data<float>().ToArray(), [.. input.shape.Select(v => (int)v)]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName, dense)]);
        return results.ToDictionary(r => r.Name, r =>
        {
            var values = r.AsTensor<float>();
            return tensor(values.ToArray(), [.. values.Dimensions.ToArray().Select(v => (long)v)]);
        });
    }
}
