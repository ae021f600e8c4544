using System.Diagnostics;
using FluentAssertions;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>Runs the built sample as its own process, as a user does: what happens before libtorch loads counts.</summary>
public sealed class SampleProcessTests : IDisposable
{
    private readonly string _outputs = Path.Combine(Path.GetTempPath(), "vit-sample-process-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Run_TinyTraining_LimitsOpenMpSpinningAndEndsWithTheResultLine()
    {
        var (exitCode, output, errors) = RunSample(Path.Combine(_outputs, "run"), spinCount: null);

        exitCode.Should().Be(0, errors);
        if (OperatingSystem.IsLinux())
        {
            output.Should().Contain("OpenMP threads spin 2000 iterations before sleeping");
        }

        output.TrimEnd().Split('\n')[^1].Should().MatchRegex(@"^test_top1=[01]\.\d{4} test_top5=[01]\.\d{4}$");
        foreach (string file in new[] { "model.safetensors", "config.json", "model.onnx" })
        {
            File.Exists(Path.Combine(_outputs, "run", file)).Should().BeTrue(file);
        }
    }

    [Fact]
    public void Run_UserSetSpinCount_LeavesItAlone()
    {
        var (exitCode, output, errors) = RunSample(Path.Combine(_outputs, "user"), spinCount: "50");

        exitCode.Should().Be(0, errors);
        output.Should().NotContain("OpenMP threads spin");
    }

    [Fact]
    public void Run_ValidationSplitAndWeightAverage_ReportsTheAverageOnValidationImages()
    {
        var (exitCode, output, errors) = RunSample(Path.Combine(_outputs, "validation"), spinCount: null, "--validation-split", "0.25", "--ema", "0.9");

        exitCode.Should().Be(0, errors);
        output.Should().Contain("45,000 to train and 15,000 to validate on").And.Contain("the test images are not used");
        output.Should().MatchRegex(@"Validation top-1: trained weights [01]\.\d{4}, their moving average \(decay 0\.9\) [01]\.\d{4}; the average is reported and saved");
        output.TrimEnd().Split('\n')[^1].Should().MatchRegex(@"^validation_top1=[01]\.\d{4} validation_top5=[01]\.\d{4}$");
        File.ReadAllText(Path.Combine(_outputs, "validation", "metrics.csv")).Should().Contain("eval_ema,0,");
    }

    [Fact]
    public void Run_FullPresetWithValidationSplit_ChoosesOnTrainingImagesAndNeverReadsTheTestFiles()
    {
        // A full set whose training files are the shipped ones and whose test files are not IDX at all: a run that
        // read them would fail.
        string data = Path.Combine(_outputs, "full-set");
        Directory.CreateDirectory(data);
        string shipped = TestFiles.InRepository("data/fashion-mnist");
        File.Copy(Path.Combine(shipped, "train-images-idx3-ubyte.gz"), Path.Combine(data, "train-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(shipped, "train-labels-idx1-ubyte.gz"), Path.Combine(data, "train-labels-idx1-ubyte.gz"));
        File.WriteAllText(Path.Combine(data, "t10k-images-idx3-ubyte.gz"), "not an IDX file");
        File.WriteAllText(Path.Combine(data, "t10k-labels-idx1-ubyte.gz"), "not an IDX file");

        var (exitCode, output, errors) = RunSample(Path.Combine(_outputs, "full"), spinCount: null, "--preset", "fashion_full", "--data", data, "--validation-split", "0.1");

        exitCode.Should().Be(0, errors);
        output.Should().Contain("Model fashion_full").And.Contain("of its 60,000 training images, 54,000 to train and 6,000 to validate on").And.Contain("the test images are not used");
        output.TrimEnd().Split('\n')[^1].Should().MatchRegex(@"^validation_top1=[01]\.\d{4} validation_top5=[01]\.\d{4}$");
        File.ReadAllText(Path.Combine(_outputs, "full", "run.json")).Should().Contain("\"preset\": \"fashion_full\"").And.Contain("\"validationFraction\": 0.1");
    }

    [Fact]
    public void Run_FullPresetOnTheTestSplitOnly_FailsBeforeWritingAnything()
    {
        string testSplit = Path.Combine(_outputs, "test-split");
        Directory.CreateDirectory(testSplit);
        string shipped = TestFiles.InRepository("data/fashion-mnist");
        File.Copy(Path.Combine(shipped, "t10k-images-idx3-ubyte.gz"), Path.Combine(testSplit, "t10k-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(shipped, "t10k-labels-idx1-ubyte.gz"), Path.Combine(testSplit, "t10k-labels-idx1-ubyte.gz"));

        var (exitCode, _, errors) = RunSample(Path.Combine(_outputs, "not-full"), spinCount: null, "--preset", "fashion_full", "--data", testSplit);

        exitCode.Should().Be(2);
        errors.Should().Contain($"error: --preset fashion_full trains on the full set (60,000 training images), but --data '{testSplit}' does not hold the four upstream files");
        Directory.Exists(Path.Combine(_outputs, "not-full")).Should().BeFalse();
    }

    [Fact]
    public void Run_SwappedLabelFile_FailsNamingTheFileBeforeWritingAnything()
    {
        // The test labels under the training labels' name: a checksum mismatch, caught before any training.
        string data = Path.Combine(_outputs, "swapped");
        Directory.CreateDirectory(data);
        string shipped = TestFiles.InRepository("data/fashion-mnist");
        foreach (string file in new[] { "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
        {
            File.Copy(Path.Combine(shipped, file), Path.Combine(data, file));
        }

        File.Copy(Path.Combine(shipped, "t10k-labels-idx1-ubyte.gz"), Path.Combine(data, "train-labels-idx1-ubyte.gz"));

        var (exitCode, _, errors) = RunSample(Path.Combine(_outputs, "swapped-run"), spinCount: null, "--data", data);

        exitCode.Should().Be(2, errors);
        errors.Should().StartWith($"error: --data: the Fashion-MNIST files could not be read: '{Path.Combine(data, "train-labels-idx1-ubyte.gz")}' holds 10,008 decompressed bytes; Fashion-MNIST's train-labels-idx1-ubyte.gz holds 60,008");
        Directory.Exists(Path.Combine(_outputs, "swapped-run")).Should().BeFalse();
    }

    public void Dispose()
    {
        if (Directory.Exists(_outputs))
        {
            Directory.Delete(_outputs, recursive: true);
        }
    }

    private static (int ExitCode, string Output, string Errors) RunSample(string outputDirectory, string? spinCount, params string[] extra)
    {
        // The sample's build output is copied next to the tests (project reference), runtimeconfig included.
        string sample = Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FashionMnist.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { sample, "--epochs", "1", "--limit", "512", "--threads", "1", "--out", outputDirectory }.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("GOMP_SPINCOUNT");
        start.Environment.Remove("OMP_WAIT_POLICY");
        if (spinCount is not null)
        {
            start.Environment["GOMP_SPINCOUNT"] = spinCount;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
