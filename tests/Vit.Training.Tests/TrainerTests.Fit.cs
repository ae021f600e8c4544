using FluentAssertions;
using Microsoft.Extensions.Logging;
using Vit.Data;
using Xunit;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    private static TrainerOptions FitOptions(string? directory) => new()
    {
        LearningRate = 1e-3,
        Epochs = 2,
        WarmupEpochs = 0.4,
        WarmupInitialLearningRate = 1e-5,
        GradientClipNorm = 1.0,
        Seed = 7,
        LogEverySteps = 2,
        CheckpointDirectory = directory,
        CheckpointEverySteps = 3,
        KeepLastCheckpoints = 10,
    };

    private static DataLoader Loader(IImageDataset dataset, bool shuffle = true) =>
        new(dataset, new DataLoaderOptions { BatchSize = 8, Seed = 11, Shuffle = shuffle, DropLast = true });

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public void Fit_ResumedMidEpochFromCheckpoint_IsBitIdenticalToStraightRun(int resumeStep)
    {
        var architecture = TestModels.Tiny(dropout: 0.1, dropPath: 0.1);
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var loader = Loader(dataset);
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var straight = TestModels.Build(architecture, seed: 5);
        using (var trainer = new Trainer(straight, FitOptions(first.Path)))
        {
            var result = trainer.Fit(loader);
            result.Steps.Should().Be(10);
            trainer.Schedule!.WarmupSteps.Should().Be(2, "0.4 epochs of 5 batches");
            trainer.Schedule.TotalSteps.Should().Be(10, "2 epochs of 5 batches");
        }

        using var resumed = TestModels.Build(architecture, seed: 77);
        using (var trainer = new Trainer(resumed, FitOptions(second.Path)))
        {
            trainer.LoadCheckpoint(Path.Combine(first.Path, $"checkpoint-{resumeStep:D8}.safetensors"));
            trainer.Epoch.Should().Be(resumeStep / 5);
            trainer.BatchInEpoch.Should().Be(resumeStep % 5);
            trainer.Fit(loader).Steps.Should().Be(10);
        }

        TestModels.BitIdentical(straight, resumed).Should().BeTrue();
    }

    [Fact]
    public void Fit_WithProgressLoggerAndCsv_ReportsEveryStepWindowAndEpoch()
    {
        using var directory = new TempDirectory();
        string csv = Path.Combine(directory.Path, "metrics", "metrics.csv");
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var validationSet = TestModels.RandomDataset(16, seed: 4);
        using var loader = Loader(dataset);
        using var validation = Loader(validationSet, shuffle: false);
        using var model = TestModels.Build(TestModels.Tiny());
        var options = FitOptions(null);
        options.MetricsCsvPath = csv;
        var logger = new ListLogger<Trainer>();
        var progress = new ListProgress<TrainingProgress>();
        using var trainer = new Trainer(model, options, logger);

        var result = trainer.Fit(loader, validation, progress);

        var steps = progress.Reports.Where(r => r.Kind == TrainingProgressKind.Step).ToList();
        var epochs = progress.Reports.Where(r => r.Kind == TrainingProgressKind.Epoch).ToList();
        steps.Select(r => r.Step).Should().Equal(2, 4, 6, 8, 10);
        steps.Should().OnlyContain(r => double.IsFinite(r.Loss) && r.ImagesPerSecond > 0 && r.TotalSteps == 10 && r.GradientNorm > 0);
        steps[0].EstimatedRemaining.Should().BePositive();
        steps[^1].EstimatedRemaining.Should().Be(TimeSpan.Zero);
        // The rate reported is the schedule's rate for the last update of the window.
        steps[0].LearningRate.Should().Be(trainer.Schedule!.GetLearningRate(1));
        epochs.Select(r => r.Epoch).Should().Equal(0, 1);
        epochs.Should().OnlyContain(r => r.Evaluation != null && r.Evaluation.Count == 16);
        result.EpochLosses.Should().HaveCount(2);
        result.LastEvaluation.Should().Be(epochs[^1].Evaluation);

        logger.Events.Count(e => e.Id.Id == 2).Should().Be(5);
        logger.Events.Count(e => e.Id.Id == 3).Should().Be(2);
        logger.Events.Should().Contain(e => e.Id.Id == 4 && e.Level == LogLevel.Information && e.Message.Contains("top-1", StringComparison.Ordinal));

        var lines = File.ReadAllLines(csv);
        lines[0].Should().Be("kind,epoch,step,loss,learning_rate,grad_norm,images_per_second,elapsed_seconds,top1,top5");
        lines.Count(l => l.StartsWith("train,", StringComparison.Ordinal)).Should().Be(5);
        lines.Count(l => l.StartsWith("eval,", StringComparison.Ordinal)).Should().Be(2);
        lines[1].Split(',').Should().HaveCount(10);
    }

    [Fact]
    public void Fit_CheckpointRotation_KeepsLastNAndTheBest()
    {
        using var directory = new TempDirectory();
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var validationSet = TestModels.RandomDataset(16, seed: 4);
        using var loader = Loader(dataset);
        using var validation = Loader(validationSet, shuffle: false);
        using var model = TestModels.Build(TestModels.Tiny());
        var options = FitOptions(directory.Path);
        options.Epochs = 3;
        options.CheckpointEverySteps = 1;
        options.KeepLastCheckpoints = 2;
        options.BestCheckpointMetric = CheckpointMetric.ValidationLoss;
        var progress = new ListProgress<TrainingProgress>();
        using var trainer = new Trainer(model, options);

        var result = trainer.Fit(loader, validation, progress);

        Directory.GetFiles(directory.Path).Select(Path.GetFileName).Should().BeEquivalentTo(
            ["checkpoint-00000014.safetensors", "checkpoint-00000015.safetensors", "best.safetensors"]);
        result.LastCheckpointPath.Should().EndWith("checkpoint-00000015.safetensors");
        var evaluations = progress.Reports.Where(r => r.Kind == TrainingProgressKind.Epoch).Select(r => r.Evaluation!.Loss).ToList();
        int bestEpoch = evaluations.IndexOf(evaluations.Min());
        using var check = TestModels.Build(TestModels.Tiny(), seed: 8);
        using var reader = new Trainer(check, options);
        reader.LoadCheckpoint(result.BestCheckpointPath!);
        reader.Step.Should().Be(5 * (bestEpoch + 1));
        reader.Evaluate(validation).Loss.Should().BeApproximately(evaluations[bestEpoch], 1e-6);
    }

    [Fact]
    public void Fit_BatchesNotDivisibleByAccumulation_ThrowsBeforeTraining()
    {
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var loader = Loader(dataset);
        using var model = TestModels.Build(TestModels.Tiny());
        var options = FitOptions(null);
        options.AccumulationSteps = 3;
        using var trainer = new Trainer(model, options);

        FluentActions.Invoking(() => trainer.Fit(loader)).Should().Throw<ArgumentException>()
            .WithMessage("The loader's batches (8 images, last batch 8) cannot be split into AccumulationSteps (3) equal micro-batches*");
        trainer.Step.Should().Be(0);
    }
}
