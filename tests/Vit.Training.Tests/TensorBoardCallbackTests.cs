using FluentAssertions;
using Vit.Data;
using Xunit;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class TensorBoardCallbackTests
{
    [Fact]
    public void Fit_WithTensorBoardCallback_WritesTheScalarsTensorBoardReads()
    {
        using var directory = new TempDirectory();
        string logs = Path.Combine(directory.Path, "tb");
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var validationSet = TestModels.RandomDataset(16, seed: 4);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 11, DropLast = true });
        using var validation = new BatchLoader(validationSet, new BatchLoaderOptions { BatchSize = 8, Shuffle = false });
        using var model = TestModels.Build(TestModels.Tiny());
        var options = new TrainerOptions { Epochs = 2, WarmupSteps = 2, EmaDecay = 0.9, Seed = 1 };
        var steps = new RecordingCallback();
        var progress = new ListProgress<TrainingProgress>();
        var tensorBoard = new TensorBoardCallback(logs);
        using var trainer = new Trainer(model, options) { Callbacks = { steps, tensorBoard } };

        trainer.Fit(loader, validation, progress);

        var file = Directory.GetFiles(logs, "events.out.tfevents.*").Should().ContainSingle().Subject;
        var events = TensorBoardEvents.Read(file);
        events[0].FileVersion.Should().Be("brain.Event:2");
        var scalars = events.SelectMany(e => e.Values.Select(v => (e.Step, v.Tag, v.Value))).ToList();
        float[] Series(string tag) => scalars.Where(s => s.Tag == tag).OrderBy(s => s.Step).Select(s => s.Value).ToArray();
        long[] StepsOf(string tag) => scalars.Where(s => s.Tag == tag).Select(s => s.Step).Order().ToArray();

        StepsOf("train/loss").Should().Equal(Enumerable.Range(1, 10).Select(i => (long)i));
        Series("train/loss").Should().Equal(steps.Results.Select(r => r.Loss));
        Series("train/learning_rate").Should().Equal(steps.Results.Select(r => (float)r.LearningRate));
        Series("train/gradient_norm").Should().Equal(steps.Results.Select(r => (float)r.GradientNorm));
        StepsOf("train/loss_scale").Should().BeEmpty("an fp32 run has no loss scale");
        var epochs = progress.Reports.Where(r => r.Kind == TrainingProgressKind.Epoch).ToList();
        StepsOf("eval/top1").Should().Equal(5, 10);
        Series("eval/loss").Should().Equal(epochs.Select(e => (float)e.Evaluation!.Loss));
        Series("eval/top1").Should().Equal(epochs.Select(e => (float)e.Evaluation!.Top1Accuracy));
        Series("eval_ema/top5").Should().Equal(epochs.Select(e => (float)e.EmaEvaluation!.Top5Accuracy));
        Series("train/epoch_loss").Should().Equal(epochs.Select(e => (float)e.Loss));
        events.Skip(1).Should().OnlyContain(e => Math.Abs(e.WallTime - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 600, "wall times are Unix seconds");
    }

    [Fact]
    public void TrainStep_Float16WithTensorBoardCallback_WritesTheLossScaleOfEachUpdate()
    {
        using var directory = new TempDirectory();
        string logs = Path.Combine(directory.Path, "tb");
        using var model = TestModels.Build(TestModels.Tiny());
        var options = new TrainerOptions { TotalSteps = 6, Precision = TorchSharp.torch.ScalarType.Float16, InitialLossScale = 1 << 20, LossScaleGrowthInterval = 2 };
        var steps = new RecordingCallback();
        using var trainer = new Trainer(model, options) { Callbacks = { steps, new TensorBoardCallback(logs) } };

        for (int t = 0; t < 6; t++)
        {
            var (images, labels) = TestModels.RandomBatch(8, seed: 300 + t);
            trainer.TrainStep(images, labels);
        }

        var events = TensorBoardEvents.Read(Directory.GetFiles(logs, "events.out.tfevents.*").Single());
        var scales = events.SelectMany(e => e.Values.Where(v => v.Tag == "train/loss_scale").Select(v => (e.Step, v.Value))).OrderBy(s => s.Step).ToList();
        scales.Select(s => s.Step).Should().Equal(1, 2, 3, 4, 5, 6);
        scales.Select(s => s.Value).Should().Equal(steps.Results.Select(r => (float)r.LossScale));
        scales[0].Value.Should().Be(1 << 20, "the first update used the initial scale");
    }

    [Fact]
    public void Constructor_BadArguments_ThrowNamingThem()
    {
        FluentActions.Invoking(() => new TensorBoardCallback(" ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new TensorBoardCallback("runs/x", logEverySteps: 0)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("logEverySteps (0) must be at least 1.*");
    }

    private sealed class RecordingCallback : ITrainerCallback
    {
        public List<TrainingStepResult> Results { get; } = [];

        public void OnStepEnd(Trainer trainer, TrainingStepResult result) => Results.Add(result);
    }
}
