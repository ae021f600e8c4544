using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Onnx.Tests;

/// <summary>
/// Options no hub case covers (RMSNorm, SiLU with split SwiGLU, scale norms, patch-embedding norm, no projection bias,
/// max and avg+max pooling, pooling over prefix tokens, a convolutional stem with dynamic size and padding, ReLU): ONNX Runtime's outputs equal Vit's TorchSharp forward (itself
/// checked against timm in Vit.Core.Tests) within 1e-4, with RMSNormalization (opset 23) and decomposed (opset 17).
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class OnnxExportVariantTests(ITestOutputHelper output)
{
    private const OnnxOutputs AllOutputs = OnnxOutputs.Logits | OnnxOutputs.Embeddings | OnnxOutputs.Tokens;

    public static TheoryData<string, int> Cases => new()
    {
        { "rms_swiglu_avgmax", 23 },
        { "rms_swiglu_avgmax", 17 },
        { "prenorm_max_prefix", 23 },
        { "prenorm_max_prefix", 17 },
        { "dynamic_pad_registers", 23 },
        { "dynamic_pad_registers", 18 },
        { "dynamic_pad_stem_relu", 23 },
        { "dynamic_pad_stem_relu", 18 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportOnnx_VariantOptions_EqualsTorchSharpForward(string name, int opset)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        torch.manual_seed(7);
        using var model = new VisionTransformer(Options(name));
        model.eval();

        // Move every parameter off its initial value, so ones and zeros (norm weights, biases) are really tested.
        foreach (var parameter in model.parameters())
        {
            parameter.add_(randn_like(parameter) * 0.05);
        }

        using var options = OnnxRuntimeRunner.Options();
        using var session = new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Opset = opset, Outputs = AllOutputs }), options);

        // A dynamic-size model takes sides that are not multiples of the patch (zero-padded) and a grid other than its own.
        foreach (var (height, width) in model.Options.DynamicImageSize ? new[] { (32, 32), (30, 45), (17, 40) } : [(32, 32)])
        {
            Check(model, session, randn(2, 3, height, width), $"{name} opset {opset} {height}x{width}");
        }
    }

    private void Check(VisionTransformer model, InferenceSession session, Tensor images, string label)
    {
        var actual = OnnxRuntimeRunner.RunAll(session, images);

        var features = model.ForwardFeatures(images);
        double tokens = TensorAssert.Close(actual["tokens"], features, 1e-4, because: "tokens");
        double embeddings = TensorAssert.Close(actual["embeddings"], model.ForwardHead(features, preLogits: true), 1e-4, because: "embeddings");
        double logits = TensorAssert.Close(actual["logits"], model.forward(images), 1e-4, because: "logits");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: tokens {tokens:G3}, embeddings {embeddings:G3}, logits {logits:G3}"));
    }

    private static VisionTransformerOptions Options(string name) => name switch
    {
        "rms_swiglu_avgmax" => new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 8, InChannels = 3, NumClasses = 5, EmbedDim = 32, Depth = 2, NumHeads = 4, MlpRatio = 2,
            Norm = NormKind.RmsNorm, Activation = ActivationKind.Silu, Mlp = MlpKind.SwiGlu, ScaleAttentionNorm = true, ScaleMlpNorm = true,
            PatchEmbeddingNorm = true, ProjectionBias = false, QkvBias = false, Pooling = Pooling.AvgMax, RegisterTokens = 2, LayerScaleInit = 0.5,
        },
        "prenorm_max_prefix" => new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 8, InChannels = 3, NumClasses = 5, EmbedDim = 32, Depth = 2, NumHeads = 4, MlpRatio = 2,
            Norm = NormKind.RmsNorm, Activation = ActivationKind.GeluTanh, Mlp = MlpKind.PackedSwiGlu, PreNorm = true, QkNorm = true,
            Pooling = Pooling.Max, ClassToken = true, PoolIncludePrefix = true, FcNorm = false, PositionEmbeddingCoversPrefix = false,
        },
        "dynamic_pad_registers" => new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 8, InChannels = 3, NumClasses = 0, EmbedDim = 32, Depth = 2, NumHeads = 4, MlpRatio = 2,
            DynamicImageSize = true, DynamicImagePad = true, RegisterTokens = 3, PositionEmbeddingCoversPrefix = false, LayerScaleInit = 0.5,
        },
        "dynamic_pad_stem_relu" => new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 5, EmbedDim = 32, Depth = 2, NumHeads = 4, MlpRatio = 2,
            DynamicImageSize = true, DynamicImagePad = true, RegisterTokens = 1, Activation = ActivationKind.Relu,
            StemChannels = [8, 16], StemKernelSizes = [3, 5], StemActivation = ActivationKind.Silu,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown case."),
    };
}
