using FluentAssertions;
using Microsoft.Extensions.Logging;
using Vit.Data;
using Xunit;
using static TorchSharp.torch;

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

    private static BatchLoader Loader(IImageDataset dataset, bool shuffle = true) =>
        new(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 11, Shuffle = shuffle, DropLast = true });

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

    [Fact]
    public void Fit_PlainList_EqualsTheSameUpdatesByHand()
    {
        var batches = Enumerable.Range(0, 4).Select(i => TestModels.RandomBatch(8, seed: 500 + i)).ToList();
        var options = FitOptions(null);
        options.Seed = null;
        using var byFit = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var fitTrainer = new Trainer(byFit, options);

        var result = fitTrainer.Fit(batches, validation: batches.Take(2));

        using var reference = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var referenceTrainer = new Trainer(reference, new TrainerOptions
        {
            LearningRate = options.LearningRate,
            WarmupSteps = 2,
            TotalSteps = 8,
            WarmupInitialLearningRate = options.WarmupInitialLearningRate,
            GradientClipNorm = options.GradientClipNorm,
        });
        for (int epoch = 0; epoch < 2; epoch++)
        {
            foreach (var (images, labels) in batches)
            {
                referenceTrainer.TrainStep(images, labels);
            }
        }

        result.Steps.Should().Be(8);
        fitTrainer.Schedule!.TotalSteps.Should().Be(8, "2 epochs of a 4-batch list");
        fitTrainer.Schedule.WarmupSteps.Should().Be(2, "0.4 epochs of 4 batches, rounded");
        result.LastEvaluation!.Count.Should().Be(16);
        TestModels.BitIdentical(byFit, reference).Should().BeTrue();
        fitTrainer.Fit(batches).Steps.Should().Be(8, "a finished run has no epoch left");
    }

    [Fact]
    public void Fit_SequenceOfUnknownLength_NeedsTotalStepsAndThenTrains()
    {
        static IEnumerable<(Tensor Images, Tensor Targets)> Stream()
        {
            for (int i = 0; i < 3; i++)
            {
                yield return TestModels.RandomBatch(8, seed: 600 + i);
            }
        }

        using var model = TestModels.Build(TestModels.Tiny());
        using (var trainer = new Trainer(model, FitOptions(null)))
        {
            FluentActions.Invoking(() => trainer.Fit(Stream())).Should().Throw<InvalidOperationException>()
                .WithMessage("Fit over a sequence whose length is unknown until enumerated needs the schedule's length: set TrainerOptions.TotalSteps (and WarmupSteps rather than WarmupEpochs)*");
            trainer.Step.Should().Be(0);
        }

        var options = FitOptions(null);
        options.WarmupEpochs = 0;
        options.WarmupSteps = 1;
        options.TotalSteps = 6;
        using var counted = new Trainer(model, options);
        counted.Fit(Stream()).Steps.Should().Be(6);
    }

    [Fact]
    public void Fit_CallbackRequestsStop_EndsAfterThatUpdateAndCanContinue()
    {
        using var directory = new TempDirectory();
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var loader = Loader(dataset);
        using var model = TestModels.Build(TestModels.Tiny());
        var options = FitOptions(directory.Path);
        options.CheckpointEverySteps = 0;
        var stopper = new StopAt(3);
        using var trainer = new Trainer(model, options) { Callbacks = { stopper } };

        var result = trainer.Fit(loader);

        result.StoppedEarly.Should().BeTrue();
        result.Steps.Should().Be(3);
        trainer.BatchInEpoch.Should().Be(3);
        result.LastCheckpointPath.Should().EndWith("checkpoint-00000003.safetensors", "a stopped run keeps a checkpoint to resume from");
        stopper.Ends.Should().Be(1);

        trainer.Callbacks.Remove(stopper);
        var rest = trainer.Fit(loader);
        rest.StoppedEarly.Should().BeFalse();
        rest.Steps.Should().Be(10);
    }

    [Fact]
    public void Fit_WithEma_EvaluatesBothWeightsAndWritesBothRows()
    {
        using var directory = new TempDirectory();
        string csv = Path.Combine(directory.Path, "metrics.csv");
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var validationSet = TestModels.RandomDataset(16, seed: 4);
        using var loader = Loader(dataset);
        using var validation = Loader(validationSet, shuffle: false);
        using var model = TestModels.Build(TestModels.Tiny());
        var options = FitOptions(null);
        options.EmaDecay = 0.9;
        options.MetricsCsvPath = csv;
        var progress = new ListProgress<TrainingProgress>();
        var logger = new ListLogger<Trainer>();
        using var trainer = new Trainer(model, options, logger);

        var result = trainer.Fit(loader, validation, progress);

        result.LastEmaEvaluation.Should().NotBeNull();
        result.LastEmaEvaluation!.Loss.Should().NotBe(result.LastEvaluation!.Loss);
        result.LastEmaEvaluation.Should().Be(trainer.EvaluateEma(validation));
        progress.Reports.Where(r => r.Kind == TrainingProgressKind.Epoch).Should().OnlyContain(r => r.EmaEvaluation != null && r.EmaEvaluation.Count == 16);
        File.ReadAllLines(csv).Count(l => l.StartsWith("eval_ema,", StringComparison.Ordinal)).Should().Be(2);
        logger.Events.Count(e => e.Id.Id == 10).Should().Be(2);
    }

    private sealed class StopAt(int step) : ITrainerCallback
    {
        public int Ends { get; private set; }

        public void OnStepEnd(Trainer trainer, TrainingStepResult result)
        {
            if (result.Step == step)
            {
                trainer.RequestStop();
            }
        }

        public void OnFitEnd(Trainer trainer, FitResult result) => Ends++;
    }
}
