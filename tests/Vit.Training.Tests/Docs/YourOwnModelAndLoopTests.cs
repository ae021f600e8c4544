using FluentAssertions;
using TrainingDocsExamples;
using Xunit;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class YourOwnModelAndLoopTests
{
    [Fact]
    public void Example_Runs_AndLearnsTheBatches()
    {
        using var directory = new TempDirectory();
        var batches = Enumerable.Range(0, 10).Select(i => TestModels.RandomBatch(16, seed: 800 + i)).ToList();
        TorchSharp.torch.manual_seed(0);

        var (trained, average) = YourOwnModelAndLoop.Run(batches, batches.Take(4).ToList(), directory.Path);

        trained.Count.Should().Be(64);
        trained.Top1Accuracy.Should().BeGreaterThan(0.3, "40 updates start memorising the random batches (chance is 0.2; seeded, 0.42 here)");
        average.Loss.Should().NotBe(trained.Loss);
        Directory.GetFiles(directory.Path, "events.out.tfevents.*").Should().ContainSingle();
    }

    [Theory]
    [InlineData("docs: own model and loop", 0)]
    [InlineData("docs: callback", 1)]
    public void TrainingDoc_ShowsTheCompiledCode(string marker, int block)
    {
        string root = RepositoryRoot();
        string page = File.ReadAllText(Path.Combine(root, "docs", "training.md"));
        int section = page.IndexOf("## Your own model and loop", StringComparison.Ordinal);
        section.Should().BeGreaterThan(0, "docs/training.md has the section");
        int start = section;
        for (int i = 0; i <= block; i++)
        {
            start = page.IndexOf("```csharp\n", start, StringComparison.Ordinal) + "```csharp\n".Length;
        }

        int end = page.IndexOf("```", start, StringComparison.Ordinal);
        var documented = Lines(page[start..end], indent: 0);

        string source = File.ReadAllText(Path.Combine(root, "tests", "Vit.Training.Tests", "Docs", "YourOwnModelAndLoop.cs"));
        int begin = source.IndexOf($"// {marker}: begin", StringComparison.Ordinal);
        int finish = source.IndexOf($"// {marker}: end", StringComparison.Ordinal);
        string compiled = source[begin..finish];
        var code = Lines(compiled[(compiled.IndexOf('\n') + 1)..], indent: block == 0 ? 8 : 0);

        documented.Should().Equal(code);
    }

    private static List<string> Lines(string text, int indent) => text.Split('\n')
        .Where(line => line.Trim().Length > 0)
        .Select(line => line.TrimEnd())
        .Select(line => line.StartsWith(new string(' ', indent), StringComparison.Ordinal) ? line[indent..] : line)
        .ToList();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Vit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Vit.sln above {AppContext.BaseDirectory}.");
    }
}
