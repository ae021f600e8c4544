using FluentAssertions;
using Xunit;

namespace Vit.Distributed.Tests;

/// <summary>Two ranks under mpirun (and one without it): every collective gives the closed-form result on every rank.</summary>
[Collection(MpiProcessGroup.Name)]
public sealed class MpiCommunicatorProcessTests
{
    [SkippableFact]
    public void Collectives_TwoRanks_EveryRankGetsTheCombinedValues()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "collectives");

        run.ExitCode.Should().Be(0, run.ToString());
        foreach (int rank in new[] { 0, 1 })
        {
            run.Value(rank, "size").Should().Be("2");
            run.Value(rank, "library").Should().StartWith("Open MPI v");
            run.Value(rank, "float32_sum").Should().Be("10,12,14,16,18"); // (0..4) + (10..14)
            run.Value(rank, "float64_max").Should().Be("1,0");            // max(0, 1), max(-0, -1)
            run.Value(rank, "int64_sum").Should().Be("3");                // 1 + 2
            run.Value(rank, "int32_min").Should().Be("0,7");
            run.Value(rank, "noncontiguous_sum").Should().Be("3,3,3,3,3,3");
            run.Value(rank, "int64_tensor_sum").Should().Be("1,2");        // (0 + 1, 1 + 1)
            run.Value(rank, "big_sum_min_max").Should().Be("3,3");         // 3,000,000 × (1 + 2)
            run.Value(rank, "broadcast_from_last").Should().Be("100,101,102,103");
            run.Value(rank, "broadcast_string").Should().Be("from rank 0: ünïcode");
            run.Value(rank, "allgather").Should().Be("0,10");
            run.Value(rank, "weights_after").Should().Be(run.Value(0, "weights_before"));
            run.Value(rank, "verify_identical").Should().Be("passed");
            run.Value(rank, "done").Should().Be("true");
        }

        run.Value(1, "weights_before").Should().NotBe(run.Value(0, "weights_before"), "the ranks start from different seeds");
        run.Values(0, "on_root").Should().Equal("ran");
        run.Values(1, "on_root").Should().BeEmpty();
        run.Value(0, "run_on_root_error").Should().Be("IOException: disk full");
        run.Value(1, "run_on_root_error").Should().Be("MpiException: Rank 0 failed to write checkpoint 3: IOException: disk full");
    }

    [SkippableFact]
    public void Collectives_WithoutLauncher_RunAsAWorldOfOne()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Alone("collectives");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Value(0, "size").Should().Be("1");
        run.Value(0, "float32_sum").Should().Be("0,1,2,3,4");
        run.Value(0, "int64_sum").Should().Be("1");
        run.Value(0, "big_sum_min_max").Should().Be("1,1");
        run.Value(0, "broadcast_from_last").Should().Be("0,1,2,3");
        run.Value(0, "weights_after").Should().Be(run.Value(0, "weights_before"));
    }
}
