using System.Globalization;
using FluentAssertions;
using SkiaSharp;
using TorchSharp;
using Vit.Core;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>
/// A convolutional-stem model folder (SavePretrained + ExportOnnx, timm's conv_stem_noproj_gap weights: 28x28 grey
/// images like Fashion-MNIST's) read by Vit.Inference: the preprocessing comes from the folder's config unchanged, and
/// ImageClassifier / ImageEmbedder give the TorchSharp model's probabilities and pre-logits.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class ConvStemModelFolderTests(ITestOutputHelper output)
{
    private const float Mean = 0.2860f, Std = 0.3530f;

    [Theory]
    [InlineData(OnnxPrecision.Float32, 1e-5, 1e-4)]
    [InlineData(OnnxPrecision.Int8Dynamic, 2e-2, 5e-2)]
    public void ClassifyAndEmbed_ConvStemFolder_GiveTheTorchSharpOutputs(OnnxPrecision precision, double probabilityTolerance, double embeddingTolerance)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        var options = new VisionTransformerOptions
        {
            ImageSize = 28, InChannels = 1, PatchSize = 1, EmbedDim = 64, Depth = 2, NumHeads = 4, NumClasses = 10,
            StemChannels = [16, 32, 64], StemActivation = ActivationKind.Gelu, StemProjection = false, ClassToken = false, Pooling = Pooling.Mean,
        };
        using var model = VisionTransformer.LoadTimm(Path.Combine(AppContext.BaseDirectory, "Fixtures", "variants", "conv_stem_noproj_gap", "model.safetensors"), options);
        model.eval();
        model.SavePretrained(folder.Path, new PretrainedMetadata { Mean = [Mean], Std = [Std], CropPct = 1.0, Interpolation = ResizeInterpolation.Bilinear });
        model.ExportOnnx(Path.Combine(folder.Path, "model.onnx"), new OnnxExportOptions { Outputs = OnnxOutputs.Logits | OnnxOutputs.Embeddings, Precision = precision });
        torch.manual_seed(41);
        var pixels = randint(0, 256, [6, 28, 28], ScalarType.Byte);
        var pngs = Enumerable.Range(0, 6).Select(i => Png(pixels[i])).ToArray();
        Tensor probabilities, embeddings;
        using (no_grad())
        {
            var images = (((pixels.to_type(ScalarType.Float32) / 255f) - Mean) / Std).reshape(6, 1, 28, 28);
            var features = model.ForwardFeatures(images);
            probabilities = model.ForwardHead(features).softmax(1);
            embeddings = model.ForwardHead(features, preLogits: true);
        }

        using var classifier = ImageClassifier.Load(folder.Path);
        using var embedder = ImageEmbedder.Load(folder.Path);
        var predictions = classifier.ClassifyBatch(pngs, topK: 10);
        var embedded = embedder.EmbedBatch(pngs);

        classifier.ImageSize.Should().Be(28);
        double worstProbability = 0, worstEmbedding = 0;
        for (int i = 0; i < pngs.Length; i++)
        {
            predictions[i][0].ClassIndex.Should().Be((int)probabilities[i].argmax().item<long>(), $"image {i}");
            worstProbability = predictions[i].Aggregate(worstProbability, (w, p) => Math.Max(w, Math.Abs(p.Probability - probabilities[i, p.ClassIndex].item<float>())));
            worstEmbedding = Math.Max(worstEmbedding, TensorAssert.Close(tensor(embedded[i]), embeddings[i], embeddingTolerance, because: $"embedding {i}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{precision}: largest probability difference {worstProbability:G3}, embedding {worstEmbedding:G3}"));
        worstProbability.Should().BeLessThan(probabilityTolerance);
    }

    private static byte[] Png(Tensor image)
    {
        byte[] gray = image.reshape(-1).data<byte>().ToArray();
        using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
