using System.Globalization;
using FluentAssertions;
using Xunit;
using BatchNormRun = Vit.Distributed.Tests.RankProgram.BatchNormTraining;

namespace Vit.Distributed.Tests;

/// <summary>
/// The Trainer over an <c>MpiCommunicator</c> with a model that has buffers (a ViT with a convolutional stem: BatchNorm's
/// running statistics and int64 batch count): every rank holds rank 0's statistics after every update, skipped or
/// not, as PyTorch's DistributedDataParallel with <c>broadcast_buffers</c> (each rank's batch statistics are its own
/// share's), so parameters, buffers and EMA stay bit-identical, a checkpoint resumes exactly, and the sharded
/// evaluation in eval mode matches one process.
/// </summary>
[Collection(MpiProcessGroup.Name)]
public sealed class DataParallelBatchNormProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vit-dp-bn-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [SkippableFact]
    public void TrainStep_TwoRanksWithBatchNorm_EveryRankHoldsRankZerosStatisticsAndResumesExactly()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "train-batchnorm", "60", _root);

        run.ExitCode.Should().Be(0, run.ToString());
        for (int t = 0; t < BatchNormRun.Updates; t++)
        {
            string rankZero = run.Value(0, $"buffers_{t}");
            run.Value(1, $"buffers_{t}").Should().Be(rankZero, "rank 1 holds rank 0's statistics after update {0}", t);
            if (t == BatchNormRun.SkippedUpdate)
            {
                rankZero.Should().Be(run.Value(0, $"buffers_{t - 1}"), "the skipped update's forward statistics are dropped on every rank");
                run.Value(0, $"own_buffers_{t}").Should().NotBe(rankZero, "rank 0's forward had moved them");
            }
            else
            {
                run.Value(0, $"own_buffers_{t}").Should().Be(rankZero, "they are what rank 0 computed from its own share at update {0}", t);
                run.Value(1, $"own_buffers_{t}").Should().NotBe(rankZero, "rank 1's share gives other statistics at update {0}", t);
            }

            run.Value(1, $"parameters_{t}").Should().Be(run.Value(0, $"parameters_{t}"), "the replicas' parameters stay bit-identical at update {0}", t);
        }

        run.Value(0, $"parameters_{BatchNormRun.SkippedUpdate}").Should().Be(
            run.Value(0, $"parameters_{BatchNormRun.SkippedUpdate - 1}"), "the update with rank 1's NaN is skipped on every rank");
        foreach (int rank in new[] { 0, 1 })
        {
            run.Value(rank, "skipped").Should().Be("1");
            run.Value(rank, "count").Should().Be((BatchNormRun.Updates - 1).ToString(CultureInfo.InvariantCulture), "the skipped update's batch is not counted");
            run.Value(rank, "resumed_state").Should().Be(run.Value(0, "state"), "rank {0} resumed rank 0's checkpoint bit-identically", rank);
            run.Value(rank, "resumed_ema").Should().Be(run.Value(0, "ema"), "the EMA's statistics resume too");
        }

        run.Value(1, "state").Should().Be(run.Value(0, "state"));
        run.Value(1, "ema").Should().Be(run.Value(0, "ema"));
        foreach (var (sharded, alone) in new[] { ("sharded_eval", "alone_eval"), ("sharded_ema_eval", "alone_ema_eval") })
        {
            var reference = Numbers(run.Value(0, alone));
            foreach (int rank in new[] { 0, 1 })
            {
                var figures = Numbers(run.Value(rank, sharded));
                figures[0].Should().BeApproximately(reference[0], 1e-6, "{0}: eval mode uses the running statistics every rank shares", sharded);
                figures[1..].Should().Equal(reference[1..], "{0}: top-1, top-5 and the image count are exact counts", sharded);
                figures[3].Should().Be(21);
            }
        }
    }

    private static double[] Numbers(string csv) =>
        csv.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
}
