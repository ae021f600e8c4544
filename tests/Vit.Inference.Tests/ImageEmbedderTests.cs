using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Vit.Inference.Tests;

/// <summary>ImageEmbedder on PyTorch's exporter's graph of a headless timm ViT (timm's hub config): timm's pre-logits, every overload, L2 normalisation, bad input.</summary>
public sealed class ImageEmbedderTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonObject> Expected = new(() =>
        JsonNode.Parse(File.ReadAllText(TestFiles.Fixture(Path.Combine("timm_headless", "expected.json")))!)!["embeddings"]!.AsObject());

    private static string Folder => Path.GetDirectoryName(TestFiles.Fixture(Path.Combine("timm_headless", "config.json")))!;

    public static IEnumerable<object[]> Images => TimmExpectations.ImageNames;

    [Theory]
    [MemberData(nameof(Images))]
    public void Embed_HeadlessTimmFolder_GivesTimmsPreLogits(string image)
    {
        using var embedder = ImageEmbedder.Load(Folder);
        float[] expected = [.. Expected.Value[image]!.AsArray().Select(v => (float)v!.GetValue<double>())];

        float[] actual = embedder.Embed(TimmExpectations.ImagePath(image));

        embedder.Dimension.Should().Be(192);
        actual.Should().HaveCount(192);
        double worst = actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
        output.WriteLine($"{image}: max abs diff to timm {worst:E2}");
        worst.Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Embed_StreamBytesAndBatch_GiveTheSameAsThePath()
    {
        using var embedder = ImageEmbedder.Load(Folder);
        var paths = TimmExpectations.ImageNames.Select(n => TimmExpectations.ImagePath((string)n[0])).ToArray();
        var single = paths.Select(embedder.Embed).ToArray();

        var batch = embedder.EmbedBatch(paths);
        var bytes = embedder.EmbedBatch(paths.Select(File.ReadAllBytes).ToArray());
        using var stream = File.OpenRead(paths[0]);

        embedder.Embed(stream).Should().BeEquivalentTo(single[0], o => o.WithStrictOrdering().Using<float>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-5f)).WhenTypeIs<float>());
        for (int i = 0; i < paths.Length; i++)
        {
            batch[i].Zip(single[i], (a, b) => Math.Abs(a - b)).Max().Should().BeLessThan(1e-5f);
            bytes[i].Zip(single[i], (a, b) => Math.Abs(a - b)).Max().Should().BeLessThan(1e-5f);
            embedder.Embed(File.ReadAllBytes(paths[i])).Zip(single[i], (a, b) => Math.Abs(a - b)).Max().Should().BeLessThan(1e-5f);
        }

        embedder.EmbedBatch(Array.Empty<string>()).Should().BeEmpty();
    }

    [Fact]
    public void Embed_NormalizeOption_GivesUnitVectorsInTheSameDirection()
    {
        using var raw = ImageEmbedder.Load(Folder);
        using var unit = ImageEmbedder.Load(Folder, new ImageEmbedderOptions { Normalize = true });
        string path = TimmExpectations.ImagePath("rgb_50x40.png");

        float[] a = raw.Embed(path), b = unit.Embed(path);

        Math.Sqrt(b.Sum(v => (double)v * v)).Should().BeApproximately(1.0, 1e-6);
        ImageEmbedder.CosineSimilarity(a, b).Should().BeApproximately(1.0, 1e-6);
        double length = Math.Sqrt(a.Sum(v => (double)v * v));
        b[0].Should().BeApproximately((float)(a[0] / length), 1e-6f);
    }

    [Theory]
    [InlineData(new float[] { 1, 0 }, new float[] { 0, 1 }, 0.0)]
    [InlineData(new float[] { 1, 2, 3 }, new float[] { 2, 4, 6 }, 1.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { -1, 0 }, -1.0)]
    [InlineData(new float[] { 3, 4 }, new float[] { 4, 3 }, 0.96)]
    [InlineData(new float[] { 0, 0 }, new float[] { 4, 3 }, 0.0)]
    public void CosineSimilarity_KnownPairs_GivesTheCosine(float[] a, float[] b, double expected)
    {
        ImageEmbedder.CosineSimilarity(a, b).Should().BeApproximately(expected, 1e-12);
    }

    [Fact]
    public void CosineSimilarity_DifferentLengths_ThrowsSayingBoth()
    {
        var act = () => ImageEmbedder.CosineSimilarity(new float[3], new float[4]);

        act.Should().Throw<ArgumentException>().WithMessage("The embeddings have 3 and 4 values; they must have the same length.*");
    }

    [Fact]
    public void Load_GraphWithLogitsOnly_ThrowsSayingHowToExportEmbeddings()
    {
        var act = () => ImageEmbedder.Load(TimmExpectations.ModelFolder);

        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{Path.Combine(TimmExpectations.ModelFolder, "model.onnx")}' has the outputs [logits] but no 'embeddings' output; export it with `vit export <folder> <out> --outputs embeddings` (OnnxExportOptions.Outputs).");
    }

    [Fact]
    public void ImageClassifierLoad_HeadlessFolder_PointsToImageEmbedder()
    {
        var act = () => ImageClassifier.Load(Folder);

        act.Should().Throw<InvalidDataException>().WithMessage(
            $"'{Path.Combine(Folder, "config.json")}': num_classes is 0: the folder holds a model without a classifier (a backbone); load it with ImageEmbedder.Load for its embeddings.");
    }

    [Fact]
    public void Load_NoOnnxFile_ThrowsNamingIt()
    {
        using var folder = PreprocessingConfigTests.CopyOf("timm_headless");
        File.Delete(folder.File("model.onnx"));

        var act = () => ImageEmbedder.Load(folder.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage($"'{folder.File("model.onnx")}' does not exist: ImageEmbedder needs the ONNX graph next to config.json*");
    }

    [Fact]
    public void Load_InvalidOptions_ThrowsNamingEachField()
    {
        var act = () => ImageEmbedder.Load(Folder, new ImageEmbedderOptions { IntraOpNumThreads = -1, ModelFileName = "" });

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Equal(
            "ImageEmbedderOptions.IntraOpNumThreads is -1 but must be in [0, 1024]",
            "ImageEmbedderOptions.ModelFileName is \"\" but must not be empty");
    }
}
