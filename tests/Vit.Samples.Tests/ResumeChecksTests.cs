using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class ResumeChecksTests
{
    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    [InlineData("model.onnx")]
    [InlineData("training-curves.png")]
    [InlineData("confusion-matrix.png")]
    public void ThrowIfFinished_AnOutputExists_RefusesToOverwriteIt(string output)
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File(output), "x");

        FluentActions.Invoking(() => ResumeChecks.ThrowIfFinished(new RunFolder(directory.Path))).ShouldFailWithUsage($"--resume: the run in '{directory.Path}' has finished ('{output}' exists); resuming would overwrite its outputs. Start a new run with --out, or move its outputs away first.");
    }

    [Fact]
    public void ThrowIfFinished_OnlyRunFilesAndCheckpoints_Passes()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("run.json"), "{}");
        File.WriteAllText(directory.File("metrics.csv"), "");
        Directory.CreateDirectory(directory.File("checkpoints"));

        FluentActions.Invoking(() => ResumeChecks.ThrowIfFinished(new RunFolder(directory.Path))).Should().NotThrow();
    }
}
