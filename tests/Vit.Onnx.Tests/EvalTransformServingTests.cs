using System.Globalization;
using System.Runtime.InteropServices;
using FluentAssertions;
using SkiaSharp;
using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>
/// Train/serve identity: Vit.Data's EvalTransform built from a model folder and ImageClassifier on that folder prepare
/// an image to the same input, so serving gives the probabilities evaluation computed.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class EvalTransformServingTests(ITestOutputHelper output)
{
    private static readonly string[] ClassNames = ["red", "green", "blue"];

    [Fact]
    public void Classify_JpegsAndPngs_SameProbabilitiesAsTheEvalTransformsInputBitForBit()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        torch.manual_seed(23);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 8, InChannels = 3, NumClasses = 3, EmbedDim = 32, Depth = 2, NumHeads = 2,
        });
        model.eval();
        var evaluation = new EvalTransform(new EvalTransformOptions
        {
            ImageSize = 32, CropPct = 0.875, Interpolation = ResizeInterpolation.Bicubic, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
        });
        model.SavePretrained(folder.Path, evaluation.ToPretrainedMetadata(ClassNames));
        model.ExportOnnx(Path.Combine(folder.Path, "model.onnx"));
        string[] images = [.. Enumerable.Range(0, 12).Select(i => WriteImage(folder.Path, i))];

        var served = EvalTransform.FromPretrained(folder.Path);
        using var classifier = ImageClassifier.Load(folder.Path);
        double worstTorch = 0;
        foreach (string image in images)
        {
            using var input = served.Apply(image);
            float[] floats = input.data<float>().ToArray();
            double[] expected = Softmax(classifier.Logits(floats, 1));
            var predictions = classifier.Classify(image, topK: 3);

            predictions.Select(p => p.Probability).Should().Equal(predictions.Select(p => expected[p.ClassIndex]), $"{Path.GetFileName(image)}: the same input gives the same logits");
            using (torch.no_grad())
            {
                using var probabilities = model.forward(input.unsqueeze(0)).softmax(1);
                predictions[0].ClassIndex.Should().Be((int)probabilities.argmax().item<long>(), Path.GetFileName(image));
                worstTorch = Math.Max(worstTorch, predictions.Max(p => Math.Abs(p.Probability - probabilities[0, p.ClassIndex].item<float>())));
            }
        }

        output.WriteLine($"largest probability difference ImageClassifier (ONNX Runtime) vs the TorchSharp model on EvalTransform's input: {worstTorch:E2}");
        worstTorch.Should().BeLessThan(1e-5);
    }

    /// <summary>ImageClassifier's softmax: exp(x - max) in double, summed in class order.</summary>
    private static double[] Softmax(float[] logits)
    {
        float max = logits.Max();
        double[] exp = [.. logits.Select(v => Math.Exp(v - max))];
        double total = 0;
        foreach (double e in exp)
        {
            total += e;
        }

        return [.. exp.Select(e => e / total)];
    }

    /// <summary>A photo-like image of 48-128 px per side, JPEG for even <paramref name="index"/>, PNG for odd.</summary>
    private static string WriteImage(string directory, int index)
    {
        var random = new Random(index);
        int width = random.Next(48, 129), height = random.Next(48, 129);
        byte[] pixels = new byte[width * height * 4];
        for (int p = 0; p < width * height; p++)
        {
            int x = p % width, y = p / width;
            pixels[4 * p] = (byte)Math.Clamp(128 + (100 * Math.Sin(x / 6.0) * Math.Cos(y / 9.0)) + random.Next(-20, 21), 0, 255);
            pixels[(4 * p) + 1] = (byte)Math.Clamp((255 * x / width) + random.Next(-20, 21), 0, 255);
            pixels[(4 * p) + 2] = (byte)(index * 20);
            pixels[(4 * p) + 3] = 255;
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        var format = index % 2 == 0 ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;
        using var data = bitmap.Encode(format, 90);
        string path = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"image{index}.{(index % 2 == 0 ? "jpg" : "png")}"));
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }
}
