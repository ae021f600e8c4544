using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;

namespace Vit.Samples.Tests;

/// <summary>
/// The sample's <c>--distributed</c> run under <c>mpirun -np 2</c> trains the model its 1-process run trains (same seed,
/// same global batches), and only rank 0 prints and writes.
/// </summary>
public sealed class DistributedSampleProcessTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string[] Arguments = ["--epochs", "2", "--limit", "1024", "--batch-size", "64", "--threads", "1"];
    private readonly string _outputs = Path.Combine(Path.GetTempPath(), "vit-sample-distributed-" + Guid.NewGuid().ToString("N"));

    [SkippableFact]
    public void Distributed_TwoRanks_MatchesTheOneProcessRun()
    {
        string mpirun = MpiRunOrSkip();
        string one = Path.Combine(_outputs, "one");
        string two = Path.Combine(_outputs, "two");

        var alone = Run(Dotnet, [Sample, .. Arguments, "--out", one]);
        var ranks = Run(mpirun, [.. TwoRanks, Dotnet, Sample, "--distributed", .. Arguments, "--out", two]);

        alone.ExitCode.Should().Be(0, alone.Errors);
        ranks.ExitCode.Should().Be(0, ranks.Output + ranks.Errors);
        ranks.Output.Should().Contain("Data parallel over Open MPI v").And.Contain("2 ranks, 32 images of every batch each");
        double top1Alone = Top1(alone.Output);
        double top1Ranks = Top1(ranks.Output);
        top1Ranks.Should().BeApproximately(top1Alone, 0.002);

        using var scope = torch.NewDisposeScope();
        var reference = SafeTensors.Load(Path.Combine(one, "model.safetensors"));
        var parallel = SafeTensors.Load(Path.Combine(two, "model.safetensors"));
        parallel.Keys.Should().BeEquivalentTo(reference.Keys);
        double max = reference.Max(p => (p.Value - parallel[p.Key]).abs().max().item<float>());
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |w(2 ranks) - w(1 process)| = {max:G3}; test_top1 {top1Ranks:F4} (2 ranks) vs {top1Alone:F4} (1 process)"));
        // The saved weights are the trained ones after 32 AdamW updates of up to lr 3e-3 each; the runs differ only in
        // the order of the gradient sum's float additions, which Adam's normalised steps carry into the weights.
        max.Should().BeLessThan(1e-3, "2 ranks train on the same global batches as 1 process");
        reference.Max(p => p.Value.abs().max().item<float>()).Should().BeGreaterThan(0);
    }

    [SkippableFact]
    public void Distributed_BatchTheProcessesDoNotDivide_EveryRankExitsTwoAndRankZeroSaysWhy()
    {
        string mpirun = MpiRunOrSkip();
        string bad = Path.Combine(_outputs, "bad");

        var ranks = Run(mpirun, [.. TwoRanks, Dotnet, Sample, "--distributed", "--limit", "64", "--batch-size", "33", "--out", bad]);

        ranks.ExitCode.Should().Be(2, ranks.Output + ranks.Errors);
        ranks.Errors.Split('\n').Where(l => l.StartsWith("error", StringComparison.Ordinal)).Should().Equal(
            "error: --batch-size 33 is not divisible by the 2 processes of --distributed: each trains on an equal share of every batch; " +
            "use a --batch-size that is a multiple of 2, for example 32 or 34.");
        Directory.Exists(bad).Should().BeFalse("bad input writes nothing");
    }

    public void Dispose()
    {
        if (Directory.Exists(_outputs))
        {
            Directory.Delete(_outputs, recursive: true);
        }
    }

    private static readonly string[] TwoRanks = ["--allow-run-as-root", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1", "-np", "2"];

    private static string MpiRunOrSkip()
    {
        string? mpirun = FindOnPath("mpirun");
        if (mpirun is null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new InvalidOperationException("mpirun is not on the PATH, but CI must run the 2-process sample checks: .ci/run installs openmpi-bin.");
        }

        Skip.If(mpirun is null, "mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev).");
        return mpirun!;
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    // The sample's build output is copied next to the tests (project reference), runtimeconfig included.
    private static string Sample => Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FashionMnist.dll");

    /// <summary>The held-out top-1 of the one result line (printed once: rank 0 alone prints).</summary>
    private static double Top1(string output)
    {
        var lines = output.Split('\n').Where(l => l.StartsWith("test_top1=", StringComparison.Ordinal)).ToList();
        lines.Should().ContainSingle(output);
        return double.Parse(lines[0].Split(' ')[0]["test_top1=".Length..], CultureInfo.InvariantCulture);
    }

    private static (int ExitCode, string Output, string Errors) Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TERM"] = "dumb";
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not end within 4 minutes:\n{output.Result}\n{error.Result}");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
