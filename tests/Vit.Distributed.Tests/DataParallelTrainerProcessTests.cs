using System.Globalization;
using System.Runtime.InteropServices;
using FluentAssertions;
using Xunit;

namespace Vit.Distributed.Tests;

/// <summary>
/// The Trainer over an <c>MpiCommunicator</c>: 2 ranks train the model 1 process trains on the same global batches
/// (random crops, Hide-and-Seek and Mixup drawn per sample), evaluate as 1 process does, write files once, resume,
/// and stop with a clear error on every rank for bad input and dead ranks.
/// </summary>
[Collection(MpiProcessGroup.Name)]
public sealed class DataParallelTrainerProcessTests(DataParallelTrainerProcessTests.TrainedRuns runs)
    : IClassFixture<DataParallelTrainerProcessTests.TrainedRuns>, IDisposable
{
    private const int Updates = RankProgram.Training.Epochs * (RankProgram.Training.TrainSamples / RankProgram.Training.GlobalBatch);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _root = Directory.CreateTempSubdirectory("vit-dp-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [SkippableFact]
    public void Fit_TwoRanks_MatchesOneProcessOnTheSameGlobalBatches()
    {
        MpiRun.SkipUnlessAvailable();
        var (one, two, alone, pair) = runs.Value;

        one.ExitCode.Should().Be(0, one.ToString());
        two.ExitCode.Should().Be(0, two.ToString());
        two.Value(0, "steps").Should().Be(Updates.ToString(CultureInfo.InvariantCulture));
        two.Value(1, "steps").Should().Be(two.Value(0, "steps"));

        // Replicas stay bit-identical; both differ from the 1-process run by summation order only.
        two.Value(1, "weights_sha256").Should().Be(two.Value(0, "weights_sha256"));
        File.ReadAllBytes(Path.Combine(pair, "weights-rank1.bin")).Should().Equal(File.ReadAllBytes(Path.Combine(pair, "weights-rank0.bin")));
        var reference = Floats(Path.Combine(alone, "weights-rank0.bin"));
        var parallel = Floats(Path.Combine(pair, "weights-rank0.bin"));
        parallel.Length.Should().Be(reference.Length);
        double maxDifference = reference.Zip(parallel, (a, b) => Math.Abs((double)a - b)).Max();
        maxDifference.Should().BeLessThan(1e-5);

        var loneLosses = Numbers(one.Value(0, "epoch_losses"));
        var pairLosses = Numbers(two.Value(0, "epoch_losses"));
        pairLosses.Should().HaveCount(RankProgram.Training.Epochs);
        for (int e = 0; e < loneLosses.Length; e++)
        {
            pairLosses[e].Should().BeApproximately(loneLosses[e], 1e-5, "the global batch's mean loss is the ranks' mean");
        }

        // Only rank 0 wrote: one metrics row per epoch, one TensorBoard event file, one set of checkpoints.
        File.ReadAllLines(Path.Combine(pair, "metrics.csv")).Should().HaveCount(File.ReadAllLines(Path.Combine(alone, "metrics.csv")).Length);
        Directory.GetFiles(Path.Combine(pair, "tensorboard")).Should().ContainSingle();
        Directory.GetFiles(Path.Combine(pair, "checkpoints"), "checkpoint-*.safetensors").Select(Path.GetFileName)
            .Should().BeEquivalentTo(Directory.GetFiles(Path.Combine(alone, "checkpoints"), "checkpoint-*.safetensors").Select(Path.GetFileName));
    }

    [SkippableFact]
    public void Evaluate_TwoRanks_ShardedCountsSumToTheOneProcessFigures()
    {
        MpiRun.SkipUnlessAvailable();

        // 21 images in batches of 8: the shares are 4+4, 4+4, 3+2; rank 0's weights reach rank 1 first.
        var (one, two, _, _) = runs.Value;

        one.ExitCode.Should().Be(0, one.ToString());
        two.ExitCode.Should().Be(0, two.ToString());
        var reference = Numbers(one.Value(0, "initial_eval"));
        foreach (int rank in new[] { 0, 1 })
        {
            var figures = Numbers(two.Value(rank, "initial_eval"));
            figures[0].Should().BeApproximately(reference[0], 1e-6, "the loss sums over the same images");
            figures[1..].Should().Equal(reference[1..], "top-1, top-5 and the image count are exact counts");
            figures[3].Should().Be(RankProgram.Training.ValidationSamples);
        }

        Numbers(two.Value(1, "final_eval")).Should().Equal(Numbers(two.Value(0, "final_eval")));
    }

    [SkippableFact]
    public void Fit_RankDiesMidRun_EndsInBoundedTimeAndTheLastCheckpointResumesExactly()
    {
        MpiRun.SkipUnlessAvailable();
        string whole = Folder("whole");
        string died = Folder("died");
        string resumed = Folder("resumed");
        int perEpoch = RankProgram.Training.TrainSamples / RankProgram.Training.GlobalBatch;

        var uninterrupted = MpiRun.Ranks(2, "train", "60", whole);
        var dead = MpiRun.Ranks(2, "train", "60", died, "-", (perEpoch + 2).ToString(CultureInfo.InvariantCulture));
        string checkpoint = Path.Combine(died, "checkpoints", $"checkpoint-{perEpoch:D8}.safetensors");
        var resume = MpiRun.Ranks(2, "train", "60", resumed, checkpoint);

        uninterrupted.ExitCode.Should().Be(0, uninterrupted.ToString());
        dead.ExitCode.Should().NotBe(0, dead.ToString());
        dead.Elapsed.Should().BeLessThan(Bound, dead.ToString());
        dead.Reports(0).Should().ContainSingle().Which.Should().StartWith("stopped by SIGTERM while waiting", dead.ToString());
        dead.Values(0, "steps").Should().BeEmpty();
        resume.ExitCode.Should().Be(0, resume.ToString());
        resume.Value(0, "resumed_step").Should().Be(perEpoch.ToString(CultureInfo.InvariantCulture));
        resume.Value(0, "weights_sha256").Should().Be(uninterrupted.Value(0, "weights_sha256"), "resuming is bit-identical");
        resume.Value(1, "weights_sha256").Should().Be(uninterrupted.Value(0, "weights_sha256"));
    }

    [SkippableFact]
    public void Trainer_RanksWithDifferentOptions_EveryRankThrowsTheSameMismatch()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "train-mismatch", "60", Folder("mismatch"));

        run.ExitCode.Should().Be(3, run.ToString());
        run.Elapsed.Should().BeLessThan(Bound, run.ToString());
        foreach (int rank in new[] { 0, 1 })
        {
            run.Value(rank, "error_type").Should().Be(nameof(SettingsMismatchException));
            run.Value(rank, "error").Should().Be(
                "Trainer settings (world size, TrainerOptions, the model's parameters and buffers) differ between ranks: " +
                "rank 1 has \"  \"LearningRate\": 0.002,\" where rank 0 has \"  \"LearningRate\": 0.001,\" (line 3). " +
                "Ranks that differ from rank 0: 1. Start every rank with the same arguments, configuration and data.");
        }
    }

    [SkippableFact]
    public void Fit_GlobalBatchNotDivisibleByTheWorldSize_EveryRankThrowsBeforeAnyUpdate()
    {
        MpiRun.SkipUnlessAvailable();

        var run = MpiRun.Ranks(2, "train-indivisible", "60", Folder("indivisible"));

        run.ExitCode.Should().Be(3, run.ToString());
        run.Elapsed.Should().BeLessThan(Bound, run.ToString());
        foreach (int rank in new[] { 0, 1 })
        {
            run.Value(rank, "error_type").Should().Be(nameof(ArgumentException));
            run.Value(rank, "error").Should().StartWith("The global batch size 9 is not divisible by the world size 2: every rank must take an ");
            run.Values(rank, "unexpected").Should().BeEmpty();
        }
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    private static double[] Numbers(string csv) =>
        csv.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The 1-process and 2-rank training runs, launched once for the tests that read them.</summary>
    public sealed class TrainedRuns : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("vit-dp-runs-").FullName;
        private readonly Lazy<(RankRun One, RankRun Two, string Alone, string Pair)> _runs;

        public TrainedRuns()
        {
            _runs = new(() =>
            {
                string alone = Directory.CreateDirectory(Path.Combine(_root, "alone")).FullName;
                string pair = Directory.CreateDirectory(Path.Combine(_root, "pair")).FullName;
                return (MpiRun.Alone("train", "60", alone), MpiRun.Ranks(2, "train", "60", pair), alone, pair);
            });
        }

        internal (RankRun One, RankRun Two, string Alone, string Pair) Value => _runs.Value;

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
