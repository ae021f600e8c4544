using FluentAssertions;
using Xunit;

namespace Vit.Distributed.Tests;

/// <summary>
/// Faults in a 2-rank job: every surviving rank says what happened, and the job ends within seconds instead of
/// hanging (mpirun stops the other ranks when one dies; the watchdog ends a collective that waits too long).
/// </summary>
[Collection(MpiProcessGroup.Name)]
public sealed class MpiFaultProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    [SkippableFact]
    public void VerifyIdentical_DifferentSettings_EveryRankReportsTheSameDifference()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "mismatch");

        run.ExitCode.Should().Be(3, run.ToString());
        const string expected = "Trainer settings differ between ranks: rank 1 has \"batch=256\" where rank 0 has \"batch=128\" (line 2). " +
            "Ranks that differ from rank 0: 1. Start every rank with the same arguments, configuration and data.";
        run.Value(0, "error").Should().Be(expected);
        run.Value(1, "error").Should().Be(expected);
        run.Values(0, "verify_identical").Should().BeEmpty();
    }

    [SkippableFact]
    public void DeadRank_KilledMidRun_SurvivorSaysWhereItWasWaiting()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "dead-rank");

        run.ExitCode.Should().NotBe(0, run.ToString());
        run.Elapsed.Should().BeLessThan(Bound, run.ToString());
        run.Value(0, "warm").Should().Be("2");
        run.Reports(0).Should().ContainSingle().Which.Should().MatchRegex(
            @"^stopped by SIGTERM while waiting \d+\.\d s in MPI_Allreduce of 4 float32\. mpirun sends it to every rank when one rank has failed or aborted",
            run.ToString());
        run.Values(0, "unexpected").Should().BeEmpty();
    }

    [SkippableFact]
    public void RankThrows_InsideRun_AbortsTheJobAtOnceWithTheException()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "exception");

        run.ExitCode.Should().Be(MpiCommunicator.FailureExitCode, run.ToString());
        run.Elapsed.Should().BeLessThan(Bound, run.ToString());
        run.Reports(1).Should().ContainSingle().Which.Should().Be(
            "failed; aborting the job so that the other ranks stop now instead of waiting for this one:", run.ToString());
        run.Errors.Should().Contain("System.InvalidOperationException: simulated failure on rank 1");
        run.Reports(0).Should().ContainSingle().Which.Should().StartWith("stopped by SIGTERM while waiting");
    }

    [SkippableFact]
    public void UnhandledException_OnABackgroundThread_AbortsTheJobAtOnce()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "unhandled");

        run.ExitCode.Should().Be(MpiCommunicator.FailureExitCode, run.ToString());
        run.Elapsed.Should().BeLessThan(Bound, run.ToString());
        run.Reports(1).Should().ContainSingle().Which.Should().StartWith("failed with an unhandled exception; aborting the job", run.ToString());
        run.Errors.Should().Contain("System.InvalidOperationException: simulated failure on a background thread of rank 1");
        run.Reports(0).Should().ContainSingle().Which.Should().StartWith("stopped by SIGTERM while waiting");
    }

    [SkippableFact]
    public void Hang_CollectiveWaitsPastTheTimeout_ReportsItAndAbortsWithExitCode124()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "hang", "2");

        run.ExitCode.Should().Be(MpiCommunicator.TimeoutExitCode, run.ToString());
        run.Elapsed.Should().BeLessThan(Bound, run.ToString());
        run.Reports(0).Should().ContainSingle().Which.Should().MatchRegex(
            @"^MPI_Allreduce of 4 float32 waited 2\.\d s for the other ranks, longer than MpiOptions\.CollectiveTimeout \(00:00:02\): " +
            @"another rank has hung, died without the launcher noticing, or called a different collective\. Aborting the job \(MPI_Abort, exit code 124\)\.$",
            run.ToString());
        run.Reports(1).Should().ContainSingle().Which.Should().StartWith("stopped by SIGTERM outside any collective");
    }
}
