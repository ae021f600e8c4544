using FluentAssertions;
using Vit.Core;
using Vit.Data;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void TrainStep_GradientCheckpointingOption_MatchesAPlainRunWithDropPath()
    {
        var architecture = TestModels.Tiny(dropout: 0.1, dropPath: 0.2);
        using var plain = TestModels.Build(architecture, seed: 5);
        using var checkpointed = TestModels.Build(architecture, seed: 5);
        var options = StepOptions();
        options.Seed = 3; // dropout and drop-path draw the same masks in both runs
        float[] plainLosses, checkpointedLosses;
        using (var trainer = new Trainer(plain, options))
        {
            plainLosses = TrainLosses(trainer, steps: 3);
        }

        options.GradientCheckpointing = true;
        using (var trainer = new Trainer(checkpointed, options))
        {
            checkpointed.GradientCheckpointing.Should().BeTrue();
            checkpointedLosses = TrainLosses(trainer, steps: 3);
        }

        checkpointedLosses.Should().Equal(plainLosses, (a, b) => Math.Abs(a - b) < 1e-6f);
        TestModels.MaxAbsDifference(checkpointed, plain.state_dict()).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Constructor_GradientCheckpointingOnTheCpu_ReturnsLargeBlocksInsteadOfRetainingThem()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(CpuMemory.OptOutVariable) == "0")
        {
            return; // glibc's setting; the opt-out keeps retention off for every trainer
        }

        using var plain = TestModels.Build(TestModels.Tiny());
        using (new Trainer(plain, StepOptions()))
        {
            CpuMemory.IsRetainingFreedMemory.Should().BeTrue();
        }

        using var checkpointed = TestModels.Build(TestModels.Tiny());
        var options = StepOptions();
        options.GradientCheckpointing = true;
        using (new Trainer(checkpointed, options))
        {
            CpuMemory.IsRetainingFreedMemory.Should().BeFalse();
        }
    }

    [Fact]
    public void Constructor_GradientCheckpointingOnAModelWithoutBlocks_NamesTheSetting()
    {
        using var model = nn.Sequential(nn.Conv2d(3, 8, 4, stride: 4), nn.Flatten(), nn.Linear(128, 5));

        FluentActions.Invoking(() => new Trainer(model, new TrainerOptions { GradientCheckpointing = true })).Should().Throw<ArgumentException>()
            .WithMessage("TrainerOptions.GradientCheckpointing is true, but the model (Sequential) has no module that implements IGradientCheckpointingModel*");
    }

    [Fact]
    public void Fit_MixupLoaderWithLabelSmoothing_ThrowsNamingBothSettings()
    {
        using var dataset = TestModels.RandomDataset(16, seed: 3);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 1 }, transforms: null, new Mixup(new MixupOptions { NumClasses = 5, LabelSmoothing = 0.1 }));
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, new TrainerOptions { LabelSmoothing = 0.1, Epochs = 1 });

        FluentActions.Invoking(() => trainer.Fit(loader)).Should().Throw<ArgumentException>()
            .WithMessage("TrainerOptions.LabelSmoothing is 0.1 and the loader's Mixup makes soft targets (MixupOptions.LabelSmoothing 0.1): the loss would smooth them a second time.*");
        trainer.Step.Should().Be(0);
    }

    private static float[] TrainLosses(Trainer trainer, int steps)
    {
        var losses = new float[steps];
        for (int t = 0; t < steps; t++)
        {
            var (images, labels) = TestModels.RandomBatch(8, seed: 1000 + t);
            using (images)
            using (labels)
            {
                losses[t] = trainer.TrainStep(images, labels);
            }
        }

        return losses;
    }
}
