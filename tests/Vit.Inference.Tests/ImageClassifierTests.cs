using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Vit.Inference.Tests;

/// <summary>ImageClassifier on PyTorch's exporter's graph of a timm ViT: timm's answers, every overload, threads, bad input.</summary>
public sealed class ImageClassifierTests
{
    public static IEnumerable<object[]> Images => TimmExpectations.ImageNames;

    [Theory]
    [MemberData(nameof(Images))]
    public void Classify_Png_GivesTimmsProbabilitiesInOrder(string image)
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);
        double[] expected = TimmExpectations.Probabilities(image);

        var predictions = classifier.Classify(TimmExpectations.ImagePath(image), topK: 10);

        predictions.Should().HaveCount(10);
        predictions.Select(p => p.Probability).Should().BeInDescendingOrder();
        predictions.Sum(p => p.Probability).Should().BeApproximately(1.0, 1e-9);
        foreach (var p in predictions)
        {
            p.Probability.Should().BeApproximately(expected[p.ClassIndex], 1e-5, p.Label);
            p.Label.Should().Be(classifier.ClassNames[p.ClassIndex]);
        }

        predictions[0].ClassIndex.Should().Be(Array.IndexOf(expected, expected.Max()));
    }

    [Fact]
    public void Classify_StreamBytesAndBatch_GiveTheSameAsThePath()
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);
        var paths = TimmExpectations.ImageNames.Select(n => TimmExpectations.ImagePath((string)n[0])).ToArray();
        var single = paths.Select(p => classifier.Classify(p, 3)).ToArray();

        var batch = classifier.ClassifyBatch(paths, 3);
        var bytes = classifier.ClassifyBatch(paths.Select(File.ReadAllBytes).ToArray(), 3);
        using var stream = File.OpenRead(paths[0]);
        var fromStream = classifier.Classify(stream, 3);

        batch.Should().HaveCount(paths.Length);
        for (int i = 0; i < paths.Length; i++)
        {
            Same(batch[i], single[i]);
            Same(bytes[i], single[i]);
            Same(classifier.Classify(File.ReadAllBytes(paths[i]), 3), single[i]);
        }

        Same(fromStream, single[0]);
        classifier.ClassifyBatch(Array.Empty<string>()).Should().BeEmpty();
    }

    [Fact]
    public async Task Classify_EightThreadsAtOnce_GetTheAnswersOfOne()
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);
        var paths = TimmExpectations.ImageNames.Select(n => TimmExpectations.ImagePath((string)n[0])).ToArray();
        var expected = paths.Select(p => classifier.Classify(p)).ToArray();
        using var start = new Barrier(8);

        var results = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var answers = new List<(int Image, IReadOnlyList<Prediction> Predictions)>();
                for (int round = 0; round < 20; round++)
                {
                    int i = (t + round) % paths.Length;
                    answers.Add((i, round % 2 == 0 ? classifier.Classify(paths[i]) : classifier.ClassifyBatch([paths[i], paths[(i + 1) % paths.Length]])[0]));
                }

                return answers;
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var answers = await Task.WhenAll(results);

        foreach (var (image, predictions) in answers.SelectMany(a => a))
        {
            Same(predictions, expected[image]);
        }
    }

    [Fact]
    public void Classify_TopKAboveTheClasses_ReturnsEveryClass()
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);

        classifier.Classify(TimmExpectations.ImagePath("rgb_32x32.png"), topK: 50).Select(p => p.ClassIndex).Should().BeEquivalentTo(Enumerable.Range(0, 10));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Classify_TopKNotPositive_ThrowsNamingTheValue(int topK)
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);

        var act = () => classifier.Classify(TimmExpectations.ImagePath("rgb_32x32.png"), topK);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"topK is {topK}; it must be at least 1.*").Which.ParamName.Should().Be("topK");
    }

    [Fact]
    public void Classify_FileThatIsNotAnImage_ThrowsNamingIt()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("notes.png"), "not an image");
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);

        var act = () => classifier.Classify(folder.File("notes.png"));

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("notes.png")}' is not an image SkiaSharp can decode*");
    }

    [Fact]
    public void Classify_MissingFile_ThrowsNamingIt()
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);

        var act = () => classifier.Classify("no-such-image.png");

        act.Should().Throw<FileNotFoundException>().WithMessage("Image 'no-such-image.png' does not exist.");
    }

    [Fact]
    public void Load_NoOnnxFile_ThrowsNamingIt()
    {
        using var folder = CopyOfModel();
        File.Delete(folder.File("model.onnx"));

        var act = () => ImageClassifier.Load(folder.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"'{folder.File("model.onnx")}' does not exist: ImageClassifier needs the ONNX graph next to config.json (write it with model.ExportOnnx).");
    }

    [Fact]
    public void Load_CorruptOnnxFile_ThrowsNamingIt()
    {
        using var folder = CopyOfModel();
        var bytes = File.ReadAllBytes(folder.File("model.onnx"));
        File.WriteAllBytes(folder.File("model.onnx"), bytes[..(bytes.Length / 3)]);

        var act = () => ImageClassifier.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("model.onnx")}' is not an ONNX model ONNX Runtime can load: *");
    }

    [Fact]
    public void Load_NoConfig_ThrowsNamingIt()
    {
        using var folder = CopyOfModel();
        File.Delete(folder.File("config.json"));

        var act = () => ImageClassifier.Load(folder.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"'{folder.File("config.json")}' does not exist*");
    }

    [Theory]
    [InlineData("vit_version", "\"3.0.0\"", "' was written by Vit 3.0.0, which is newer than this Vit*")]
    [InlineData("vit_version", null, "': vit_version is missing.")]
    [InlineData("label_names", null, "': label_names is missing.")]
    [InlineData("pretrained_cfg", null, "': pretrained_cfg is missing.")]
    [InlineData("num_classes", "-1", "': num_classes is -1; expected at least 1.")]
    public void Load_ConfigWithBadField_ThrowsNamingFileAndField(string field, string? json, string problem)
    {
        using var folder = CopyOfModel();
        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        config.Remove(field);
        if (json is not null)
        {
            config[field] = JsonNode.Parse(json);
        }

        File.WriteAllText(folder.File("config.json"), config.ToJsonString());

        var act = () => ImageClassifier.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("config.json")}{problem}");
    }

    [Fact]
    public void Load_GraphThatDoesNotFitTheConfig_ThrowsSayingBoth()
    {
        using var folder = CopyOfModel();
        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        config["num_classes"] = 4;
        config["label_names"] = new JsonArray("a", "b", "c", "d");
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());

        var act = () => ImageClassifier.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage($"'{folder.File("model.onnx")}' takes Single [-1, 3, 32, 32] and gives Single [-1, 10], but config.json describes Single [N, 3, 32, 32] images and Single [N, 4] logits; export the model again next to its config.");
    }

    [Fact]
    public void Load_InvalidOptions_ThrowsNamingEachField()
    {
        var act = () => ImageClassifier.Load(TimmExpectations.ModelFolder, new ImageClassifierOptions { IntraOpNumThreads = -1, ModelFileName = string.Empty, ExecutionProvider = (ExecutionProvider)7 });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Equal(
            "ImageClassifierOptions.ExecutionProvider is 7 but must be one of Auto, Cpu, Cuda",
            "ImageClassifierOptions.IntraOpNumThreads is -1 but must be in [0, 1024]",
            "ImageClassifierOptions.ModelFileName is \"\" but must not be empty");
    }

    [Fact]
    public void Load_CudaOnTheCpuBuild_ThrowsSayingWhichPackage()
    {
        var act = () => ImageClassifier.Load(TimmExpectations.ModelFolder, new ImageClassifierOptions { ExecutionProvider = ExecutionProvider.Cuda });

        act.Should().Throw<InvalidOperationException>().WithMessage("*no CUDAExecutionProvider: reference Microsoft.ML.OnnxRuntime.Gpu*");
    }

    [Fact]
    public void Load_Auto_RunsOnTheCpuHereAndReportsIt()
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);

        classifier.ExecutionProvider.Should().Be("CPUExecutionProvider");
        (classifier.Channels, classifier.ImageSize).Should().Be((3, 32));
        classifier.ClassNames.Should().HaveCount(10).And.StartWith("airplane");
    }

    [Fact]
    public void Logits_WrongLength_ThrowsSayingTheExpectedSize()
    {
        using var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);

        var act = () => classifier.Logits(new float[100], 2);

        act.Should().Throw<ArgumentException>().WithMessage("Expected 2 x 3 x 32 x 32 = 6144 floats, got 100.*");
    }

    [Fact]
    public void Classify_AfterDispose_Throws()
    {
        var classifier = ImageClassifier.Load(TimmExpectations.ModelFolder);
        classifier.Dispose();

        var act = () => classifier.Classify(TimmExpectations.ImagePath("rgb_32x32.png"));

        act.Should().Throw<ObjectDisposedException>();
    }

    private static void Same(IReadOnlyList<Prediction> actual, IReadOnlyList<Prediction> expected) =>
        actual.Should().Equal(expected, (a, e) => a.ClassIndex == e.ClassIndex && a.Label == e.Label && a.Probability == e.Probability);

    private static TempDirectory CopyOfModel()
    {
        var folder = new TempDirectory();
        foreach (string file in Directory.GetFiles(TimmExpectations.ModelFolder))
        {
            File.Copy(file, folder.File(Path.GetFileName(file)));
        }

        return folder;
    }
}
