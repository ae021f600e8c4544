using FluentAssertions;
using SkiaSharp;
using Vit.Samples.Similarity;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>The similarity sample: exact nearest neighbours, precision@k, the contact sheet, bad input.</summary>
public sealed class SimilaritySearchTests
{
    private static string Model => TestFiles.InRepository("tests/Vit.Inference.Tests/Fixtures/timm_headless");

    private static string Images => TestFiles.InRepository("tests/Vit.Inference.Tests/Fixtures/preprocessing/images");

    [Fact]
    public void Find_UnitVectors_ReturnsTheKMostSimilarInOrderSkippingTheExcluded()
    {
        float[][] embeddings = [[1, 0], [0.8f, 0.6f], [0, 1], [-1, 0], [0.6f, 0.8f]];

        var nearest = NearestNeighbours.Find(embeddings[0], embeddings, k: 3, exclude: 0);

        nearest.Select(n => n.Index).Should().Equal(1, 4, 2);
        nearest.Select(n => n.Similarity).Should().Equal(0.8f, 0.6f, 0f);
    }

    [Fact]
    public void Compute_TwoClustersOneStray_GivesTheShareOfSameClassNeighbours()
    {
        // Class 0 around (1, 0), class 1 around (0, 1); image 4 is class 1 but sits with class 0.
        float[][] embeddings = [[1, 0], [0.8f, 0.6f], [0, 1], [0.6f, 0.8f], [0.96f, 0.28f]];
        int[] labels = [0, 0, 1, 1, 1];

        // k = 1, cosines by hand: the nearest of 0 is 4 (0.96, wrong), of 1 is 3 (0.96, wrong), of 2 is 3 (0.8, right),
        // of 3 is 1 (0.96, wrong), of 4 is 0 (0.96, wrong): 1 of 5.
        PrecisionAtK.Compute(embeddings, labels, 1).Should().BeApproximately(0.2, 1e-12);
    }

    [Fact]
    public void Run_FolderIndexAndQueryNumber_PrintsTheNearestAndWritesTheContactSheet()
    {
        using var folder = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = SimilaritySearch.Run(["--model", Model, "--index", Images, "--query", "0", "--out", folder.File("sheet.png")], output, error);

        code.Should().Be(0, error.ToString());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("indexed 7 images (192-dimensional embeddings)");
        lines.Where(l => l.Contains(" cosine ", StringComparison.Ordinal)).Should().HaveCount(6, "7 images: the query's 6 others");
        using var sheet = SKBitmap.Decode(folder.File("sheet.png"));
        (sheet.Width, sheet.Height).Should().Be((7 * ContactSheet.Cell, ContactSheet.Cell + 36));
    }

    [Theory]
    [InlineData("--eval", "error: --eval needs class labels: give an IDX images file as --index (its labels file next to it), not '{images}'.")]
    [InlineData("--query", "error: --query 'missing.png' is neither an image file nor the number of an image of the index.")]
    public void Run_BadInput_ExitsTwoWithOneErrorLine(string option, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = option == "--eval" ? ["--model", Model, "--index", Images, "--eval"] : ["--model", Model, "--index", Images, "--query", "missing.png"];

        int code = SimilaritySearch.Run(args, output, error);

        code.Should().Be(2);
        error.ToString().TrimEnd('\n').Should().Be(expected.Replace("{images}", Images, StringComparison.Ordinal));
    }
}
