using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Vit.Data;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

/// <summary>
/// The data-parallel paths of the Trainer without MPI, through <see cref="MirroredProcessGroup"/> (2-process runs under
/// mpirun are in Vit.Distributed.Tests): one all-reduce of the whole gradient buffer per update, rank 0 alone writes,
/// the world size divides the batch.
/// </summary>
public sealed partial class TrainerTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    public void Fit_MirroredTwoRanks_TrainsAsOneProcessOnTheSameShareWithOneGradientAllReducePerUpdate(ScalarType precision)
    {
        using var dataset = TestModels.RandomDataset(32, seed: 3);
        using var global = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 5, DropLast = true });
        using var model = TestModels.Build(TestModels.Tiny());
        using var reference = TestModels.Build(TestModels.Tiny());
        // Float16: the loss-scaled gradients are all-reduced, then unscaled, checked and clipped alike on every rank.
        var options = new TrainerOptions { Epochs = 1, WarmupSteps = 1, GradientClipNorm = 0.5, Seed = 1, Precision = precision };
        var group = new MirroredProcessGroup(rank: 0, size: 2);
        using var trainer = new Trainer(model, options, group);
        using var alone = new Trainer(reference, options);
        var shard = new ShardedBatchSampler(global, 0, 2);
        var shares = shard.Epoch(0).Select(b => (b.Images.clone(), b.Targets.clone())).ToList();

        var parallel = trainer.Fit(global);
        var single = alone.Fit(shares);

        // Every rank holds this share, so the mean of the ranks' gradients is this share's: 1 process on the share.
        TestModels.BitIdentical(model, reference).Should().BeTrue();
        parallel.EpochLosses.Should().Equal(single.EpochLosses);
        long gradients = model.parameters().Sum(p => p.numel());
        group.AllReduces.Count(n => n == gradients + 2).Should().Be(4, "one all-reduce of the gradients (+ loss and count) per update");
        group.AllReduces.Where(n => n > 2).Should().OnlyContain(n => n == gradients + 2);
        group.Verified.Should().Contain("Trainer settings (world size, TrainerOptions, the model's parameters and buffers)");
        trainer.IsRoot.Should().BeTrue();
        trainer.ProcessGroup.Should().BeSameAs(group);
    }

    [Fact]
    public void Fit_RankOtherThanZero_WritesNoMetricsCheckpointsOrTensorBoardEvents()
    {
        using var directory = new TempDirectory();
        using var dataset = TestModels.RandomDataset(16, seed: 3);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 5, DropLast = true });
        using var model = TestModels.Build(TestModels.Tiny());
        var options = new TrainerOptions
        {
            Epochs = 1,
            Seed = 1,
            MetricsCsvPath = Path.Combine(directory.Path, "metrics.csv"),
            CheckpointDirectory = Path.Combine(directory.Path, "checkpoints"),
        };
        using var trainer = new Trainer(model, options, new MirroredProcessGroup(rank: 1, size: 2));
        trainer.Callbacks.Add(new TensorBoardCallback(Path.Combine(directory.Path, "tb"), logEverySteps: 1));

        var result = trainer.Fit(loader);

        trainer.IsRoot.Should().BeFalse();
        result.Steps.Should().Be(2);
        File.Exists(options.MetricsCsvPath).Should().BeFalse();
        Directory.Exists(options.CheckpointDirectory).Should().BeFalse();
        Directory.GetFiles(Path.Combine(directory.Path, "tb")).Should().BeEmpty();
    }

    [Fact]
    public void Fit_GlobalBatchTheWorldSizeDoesNotDivide_ThrowsBeforeAnyUpdate()
    {
        using var dataset = TestModels.RandomDataset(18, seed: 3);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 9, DropLast = true });
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, new TrainerOptions { Epochs = 1 }, new MirroredProcessGroup(rank: 0, size: 2));

        var act = () => trainer.Fit(loader);

        act.Should().Throw<ArgumentException>().WithMessage("The global batch size 9 is not divisible by the world size 2*");
        trainer.Step.Should().Be(0);
    }

    [Fact]
    public void AddVitTrainer_WithARegisteredProcessGroup_MakesADataParallelTrainer()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var group = new MirroredProcessGroup(rank: 0, size: 2);
        var services = new ServiceCollection().AddSingleton(model).AddSingleton<IProcessGroup>(group);
        services.AddVitTrainer(o => o.TotalSteps = 10);
        using var provider = services.BuildServiceProvider();

        var trainer = provider.GetRequiredService<Trainer>();

        trainer.ProcessGroup.Should().BeSameAs(group);
    }
}
