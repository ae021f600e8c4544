using FluentAssertions;
using SkiaSharp;
using TorchSharp;
using Vit.Core;
using System.IO.Compression;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>A model folder from SavePretrained + ExportOnnx, classified by ImageClassifier, gives the TorchSharp path's answers.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class ImageClassifierParityTests(ITestOutputHelper output)
{
    [Fact]
    public void Classify_PngsWrittenFromIdxImages_GivesTheTorchSharpPredictions()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        var options = new VisionTransformerOptions { ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4, MlpRatio = 2, Pooling = Pooling.Mean };
        float mean = 0.2860f, std = 0.3530f;
        torch.manual_seed(5);
        using var model = new VisionTransformer(options);
        model.eval();
        model.SavePretrained(folder.Path, new PretrainedMetadata { Mean = [mean], Std = [std], ClassNames = ClassNames, CropPct = 1.0, Interpolation = ResizeInterpolation.Bilinear });
        model.ExportOnnx(Path.Combine(folder.Path, "model.onnx"));
        int[] indices = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        var pixels = ReadIdxImages(indices.Length);
        var paths = indices.Select((index, k) => WritePng(folder.File($"t10k-{index}.png"), pixels[k])).ToArray();
        Tensor expected;
        using (torch.no_grad())
        {
            var normalised = ((pixels.to_type(ScalarType.Float32) / 255f) - mean) / std;
            expected = model.forward(normalised.reshape(indices.Length, 1, 28, 28)).softmax(1);
        }

        using var classifier = ImageClassifier.Load(folder.Path);
        var predictions = classifier.ClassifyBatch(paths, topK: 10);

        double worst = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            predictions[i][0].ClassIndex.Should().Be((int)expected[i].argmax().item<long>(), $"image {indices[i]}");
            predictions[i][0].Label.Should().Be(ClassNames[predictions[i][0].ClassIndex]);
            foreach (var p in predictions[i])
            {
                double torchProbability = expected[i, p.ClassIndex].item<float>();
                worst = Math.Max(worst, Math.Abs(p.Probability - torchProbability));
            }
        }

        output.WriteLine($"largest probability difference ONNX Runtime vs TorchSharp: {worst:E2}");
        worst.Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Classify_GraphWithFixedBatch_ClassifiesThatManyAndNamesTheMismatch()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, InChannels = 1, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });
        model.SavePretrained(folder.Path, new PretrainedMetadata { CropPct = 1.0 });
        model.ExportOnnx(Path.Combine(folder.Path, "model.onnx"), new OnnxExportOptions { DynamicBatch = false, BatchSize = 2 });
        using var classifier = ImageClassifier.Load(folder.Path);

        classifier.Logits(new float[2 * 64], 2).Should().HaveCount(6);
        var act = () => classifier.Logits(new float[64], 1);

        act.Should().Throw<ArgumentException>().WithMessage("The ONNX graph was exported with a fixed batch of 2; got 1 images.*");
    }

    private static readonly string[] ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The first <paramref name="count"/> images of the repository's t10k IDX file (16-byte header, then 28x28 bytes each) as uint8 [count, 28, 28].</summary>
    private static Tensor ReadIdxImages(int count)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "data", "fashion-mnist", "t10k-images-idx3-ubyte.gz")))
        {
            directory = directory.Parent;
        }

        directory.Should().NotBeNull("the repository's data/fashion-mnist holds the IDX file");
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(directory!.FullName, "data", "fashion-mnist", "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress);
        var bytes = new byte[16 + (count * 28 * 28)];
        gzip.ReadExactly(bytes);
        bytes[..4].Should().Equal(0, 0, 8, 3);
        return tensor(bytes[16..], [count, 28, 28], ScalarType.Byte);
    }

    private static string WritePng(string path, Tensor image)
    {
        byte[] gray = image.reshape(-1).data<byte>().ToArray();
        using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
        return path;
    }
}
