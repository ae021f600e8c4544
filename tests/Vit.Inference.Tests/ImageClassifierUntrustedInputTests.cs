using FluentAssertions;
using SkiaSharp;
using Vit.Fuzz;
using Xunit;

namespace Vit.Inference.Tests;

/// <summary>ImageClassifier on hostile input (issue 21): every bad file ends in a clean error naming it, never a crash.</summary>
public sealed class ImageClassifierUntrustedInputTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public ImageClassifierUntrustedInputTests() => Vit.Fuzz.ModelFolder.WriteValid(_folder.Path);

    private string Config => _folder.File("config.json");

    private string Model => _folder.File("model.onnx");

    [Fact]
    public void Dispose_WhileThreadsClassify_TheyFinishOrSeeObjectDisposed()
    {
        File.WriteAllBytes(_folder.File("a.png"), ImageCases.Real(SKEncodedImageFormat.Png, 40, 40));
        var classifier = ImageClassifier.Load(_folder.Path);
        var unexpected = new List<Exception>();
        int disposedSeen = 0;
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < 500; i++)
                {
                    classifier.Classify(_folder.File("a.png"), 2);
                }
            }
            catch (ObjectDisposedException)
            {
                Interlocked.Increment(ref disposedSeen);
            }
            catch (Exception e)
            {
                lock (unexpected)
                {
                    unexpected.Add(e);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Thread.Sleep(30);

        classifier.Dispose();
        threads.ForEach(t => t.Join());

        unexpected.Should().BeEmpty();
        disposedSeen.Should().BeGreaterThan(0, "Dispose came while the threads still had hundreds of images to go");
        var after = () => classifier.Classify(_folder.File("a.png"));
        after.Should().Throw<ObjectDisposedException>();
    }

    [Theory]
    [InlineData("png-50000")]
    [InlineData("png-100000")]
    [InlineData("jpeg-65000")]
    [InlineData("gif-65535")]
    [InlineData("wbmp-65535")]
    [InlineData("bmp-60000")]
    public void Classify_DecompressionBomb_ThrowsBeforeDecoding(string bomb)
    {
        var (_, extension, bytes) = ImageCases.Bombs.Single(b => b.Name == bomb);
        string image = _folder.File("bomb" + extension);
        File.WriteAllBytes(image, bytes);
        using var classifier = ImageClassifier.Load(_folder.Path);
        long before = GC.GetTotalAllocatedBytes();

        var act = () => classifier.Classify(image);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{image}' declares *x* pixels; Vit decodes images of at most 89478485 pixels (Pillow's MAX_IMAGE_PIXELS).");
        (GC.GetTotalAllocatedBytes() - before).Should().BeLessThan(10_000_000);
    }

    [Fact]
    public void Classify_TruncatedPng_ThrowsSayingTruncated()
    {
        string image = _folder.File("cut.png");
        File.WriteAllBytes(image, ImageCases.Truncated(SKEncodedImageFormat.Png));
        using var classifier = ImageClassifier.Load(_folder.Path);

        var act = () => classifier.Classify(image);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{image}' could not be decoded: SkiaSharp reported IncompleteInput (the file is truncated).");
    }

    [Fact]
    public void Classify_ExtremeAspectRatio_ThrowsBeforeResizing()
    {
        var config = Vit.Fuzz.ModelFolder.Config();
        config["pretrained_cfg"]!["crop_pct"] = 0.1;
        Vit.Fuzz.ModelFolder.Write(_folder.Path, config.ToJsonString());
        string image = _folder.File("thin.png");
        File.WriteAllBytes(image, ImageCases.Real(SKEncodedImageFormat.Png, 1_000_000, 1));
        using var classifier = ImageClassifier.Load(_folder.Path);

        var act = () => classifier.Classify(image);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{image}' is 1000000x1; resizing it to 160000000x160 pixels would make more than the 89478485 Vit resizes (the aspect ratio is too extreme).");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    [InlineData("directory", "a directory")]
    public void Classify_SpecialFile_ThrowsWithoutOpeningIt(string kind, string described)
    {
        string image = _folder.File("special.png");
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(image);
        using var classifier = ImageClassifier.Load(_folder.Path);

        var act = () => classifier.Classify(image);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{image}' is {described}, not a regular file; Vit reads only regular files.");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    [InlineData("directory", "a directory")]
    public void Load_SpecialConfig_ThrowsWithoutOpeningIt(string kind, string described)
    {
        File.Delete(Config);
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(Config);

        var act = () => ImageClassifier.Load(_folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Config}' is {described}, not a regular file; Vit reads only regular files.");
    }

    [Theory]
    [InlineData("fifo", "a FIFO (named pipe)")]
    [InlineData("dev-zero-link", "a character device")]
    [InlineData("directory", "a directory")]
    public void Load_SpecialModel_ThrowsWithoutOpeningIt(string kind, string described)
    {
        File.Delete(Model);
        SpecialFiles.Kinds.Single(k => k.Kind == kind).Make(Model);

        var act = () => ImageClassifier.Load(_folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Model}' is {described}, not a regular file; Vit reads only regular files.");
    }

    [Theory]
    [InlineData("\"mean\":[0.5,0.5,0.5]", "\"mean\":[1e308,0.5,0.5]", "pretrained_cfg.mean holds 1E+308; expected finite values in [-1000000, 1000000].")]
    [InlineData("\"std\":[0.25,0.25,0.25]", "\"std\":[5e-324,0.25,0.25]", "pretrained_cfg.std holds 5E-324; expected values in [1E-06, 1000000].")]
    [InlineData("\"crop_pct\":0.875", "\"crop_pct\":0.001", "pretrained_cfg.crop_pct is 0.001, which resizes images to floor(16 / 0.001) px before the crop; expected at most 8192 px (crop_pct at least 0.001953125).")]
    [InlineData("\"crop_pct\":0.875", "\"crop_pct\":1e-300", "pretrained_cfg.crop_pct is 1E-300, which resizes images to floor(16 / 1E-300) px before the crop; expected at most 8192 px (crop_pct at least 0.001953125).")]
    [InlineData("\"crop_pct\":0.875", "\"crop_pct\":17", "pretrained_cfg.crop_pct is 17; expected a number in (0, 16].")]
    [InlineData("\"input_size\":[3,16,16]", "\"input_size\":[3,30000,30000]", "pretrained_cfg.input_size is [3, 30000, 30000]; expected at most 16 channels and 4096 px a side.")]
    [InlineData("{\"architecture\"", "{\"label_names\":[],\"architecture\"", "the key 'label_names' appears twice in $; each key may appear once per object.")]
    [InlineData("\"crop_mode\":\"center\"", "\"crop_mode\":\"center\",\"crop_mode\":\"squash\"", "the key 'crop_mode' appears twice in $.pretrained_cfg; each key may appear once per object.")]
    public void Load_ConfigOutOfBounds_ThrowsNamingFileAndField(string valid, string hostile, string problem)
    {
        string json = Vit.Fuzz.ModelFolder.Config().ToJsonString();
        json.Should().Contain(valid);
        File.WriteAllText(Config, json.Replace(valid, hostile, StringComparison.Ordinal));

        var act = () => ImageClassifier.Load(_folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Config}': {problem}");
    }

    [Fact]
    public void Load_ConfigNestedTooDeep_ThrowsNamingTheFile()
    {
        string json = Vit.Fuzz.ModelFolder.Config().ToJsonString().Replace("\"model_args\":{}", "\"model_args\":" + new string('[', 1000) + new string(']', 1000), StringComparison.Ordinal);
        File.WriteAllText(Config, json);

        var act = () => ImageClassifier.Load(_folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Config}' is not valid JSON: *depth*64*");
    }

    [Theory]
    [InlineData(OnnxOutputType.Integer64, "Int64")]
    [InlineData(OnnxOutputType.DoublePrecision, "Double")]
    public void Load_OutputNotFloat32_ThrowsNamingTheModel(OnnxOutputType type, string shown)
    {
        File.WriteAllBytes(Model, TinyOnnx.Model(3, Vit.Fuzz.ModelFolder.Size, Vit.Fuzz.ModelFolder.Classes, type));

        var act = () => ImageClassifier.Load(_folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Model}' takes Single [-1, 3, 16, 16] and gives {shown} [-1, 4], but config.json describes Single [N, 3, 16, 16] images and Single [N, 4] logits; export the model again next to its config.");
    }

    [Theory]
    [InlineData(OnnxWidth.RuntimeWider, 5)]
    [InlineData(OnnxWidth.RuntimeNarrower, 1)]
    public void Classify_OutputWidthKnownOnlyAtRunTime_ThrowsWhenItDiffers(OnnxWidth kind, int width)
    {
        File.WriteAllBytes(Model, TinyOnnx.Model(3, Vit.Fuzz.ModelFolder.Size, Vit.Fuzz.ModelFolder.Classes, width: kind));
        File.WriteAllBytes(_folder.File("a.png"), ImageCases.Real(SKEncodedImageFormat.Png, 20, 20));
        using var classifier = ImageClassifier.Load(_folder.Path);

        var act = () => classifier.Classify(_folder.File("a.png"));

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Model}' gave logits of shape [1, {width}] for 1 images; config.json describes 4 classes, so [1, 4] was expected.");
    }

    [Fact]
    public void Classify_NanLogits_ThrowsInsteadOfNanProbabilities()
    {
        File.WriteAllBytes(Model, TinyOnnx.Model(3, Vit.Fuzz.ModelFolder.Size, Vit.Fuzz.ModelFolder.Classes, nanBias: true));
        File.WriteAllBytes(_folder.File("a.png"), ImageCases.Real(SKEncodedImageFormat.Png, 20, 20));
        using var classifier = ImageClassifier.Load(_folder.Path);

        var act = () => classifier.Classify(_folder.File("a.png"));

        act.Should().Throw<InvalidDataException>().WithMessage($"'{Model}' gave a non-finite logit (NaN) for image 0 of the batch; the model's weights or graph are broken, so no probabilities can be given.");
    }

    [Fact]
    public void Classify_TinyModel_GivesFiniteProbabilities()
    {
        File.WriteAllBytes(_folder.File("a.png"), ImageCases.Real(SKEncodedImageFormat.Png, 20, 20));
        using var classifier = ImageClassifier.Load(_folder.Path);

        var predictions = classifier.Classify(_folder.File("a.png"), topK: 4);

        predictions.Should().HaveCount(4);
        predictions.Sum(p => p.Probability).Should().BeApproximately(1.0, 1e-9);
    }

    public void Dispose() => _folder.Dispose();
}
