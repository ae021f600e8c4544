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

    public void Dispose()
    {
        if (Directory.Exists(_outputs))
        {
            Directory.Delete(_outputs, recursive: true);
        }
    }

    private static (int ExitCode, string Output, string Errors) RunSample(string outputDirectory, string? spinCount)
    {
        // The sample's build output is copied next to the tests (project reference), runtimeconfig included.
        string sample = Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FashionMnist.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { sample, "--epochs", "1", "--limit", "128", "--threads", "1", "--out", outputDirectory })
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
