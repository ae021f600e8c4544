using System.Globalization;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>
/// A DINOv2-layout folder (transformers' Dinov2Model keys and config: the hf_dinov2 fixture) exported with
/// <c>Outputs = Embeddings</c> in int8: every embedding's cosine to float32's is at least 0.99 (the 1,000-image figure
/// on a ViT-S/14 shape is in docs/deployment.md).
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class Dinov2Int8EmbeddingTests(ITestOutputHelper output)
{
    [Fact]
    public void ExportOnnx_Dinov2LayoutEmbeddingsInInt8Dynamic_CosineToFloat32AtLeast099OnEveryImage()
    {
        using var scope = NewDisposeScope();
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained", "hf_dinov2");
        using var model = VisionTransformer.FromPretrained(folder);
        var expected = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));
        torch.manual_seed(21);
        var images = cat([expected["input_0"], randn(62, 3, 28, 28)], 0);
        using var options = OnnxRuntimeRunner.Options();
        using var float32 = new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings }), options);
        using var int8 = new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings, Precision = OnnxPrecision.Int8Dynamic }), options);

        var reference = OnnxRuntimeRunner.RunAll(float32, images)["embeddings"];
        var quantized = OnnxRuntimeRunner.RunAll(int8, images)["embeddings"];

        TensorAssert.Close(reference[..2], expected["pooled_0"], 1e-4, because: "the float32 graph is Dinov2Model's pooler output");
        var cosine = nn.functional.cosine_similarity(quantized, reference, dim: 1);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hf_dinov2 int8 vs float32 embeddings, 64 images: cosine min {cosine.min().item<float>():F5}, median {cosine.median().item<float>():F5}"));
        cosine.min().item<float>().Should().BeGreaterThanOrEqualTo(0.99f);
    }
}
