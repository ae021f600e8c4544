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
    // The plain ViT (no convolutional stem): a stem's BatchNorm normalises each rank's share of a batch with that share's
    // statistics (as PyTorch's DDP without SyncBatchNorm), so only a BatchNorm-free model trains identically on 2 ranks.
    private static readonly string[] Arguments = ["--epochs", "2", "--limit", "1024", "--batch-size", "64", "--threads", "1", "--stem", "none", "--patch", "7"];
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private readonly string _outputs = Path.Combine(Path.GetTempPath(), "vit-sample-distributed-" + Guid.NewGuid().ToString("N"));

    [SkippableFact]
    public void Distributed_TwoRanks_MatchesTheOneProcessRun()
    {
        MpiLauncher.SkipUnlessAvailable();
        string one = Path.Combine(_outputs, "one");
        string two = Path.Combine(_outputs, "two");

        var alone = ChildProcess.Run(ChildProcess.DotNet, [Sample, .. Arguments, "--out", one], Timeout, MpiLauncher.RankEnvironment);
        var ranks = MpiLauncher.Run(2, Sample, ["--distributed", .. Arguments, "--out", two], Timeout);

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
        MpiLauncher.SkipUnlessAvailable();
        string bad = Path.Combine(_outputs, "bad");

        var ranks = MpiLauncher.Run(2, Sample, ["--distributed", "--limit", "64", "--batch-size", "33", "--out", bad], Timeout);

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

    // The sample's build output is copied next to the tests (project reference), runtimeconfig included.
    private static string Sample => Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FashionMnist.dll");

    /// <summary>The held-out top-1 of the one result line (printed once: rank 0 alone prints).</summary>
    private static double Top1(string output)
    {
        var lines = output.Split('\n').Where(l => l.StartsWith("test_top1=", StringComparison.Ordinal)).ToList();
        lines.Should().ContainSingle(output);
        return double.Parse(lines[0].Split(' ')[0]["test_top1=".Length..], CultureInfo.InvariantCulture);
    }
}
