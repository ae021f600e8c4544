using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using Vit.Core;
using Vit.Data;
using Xunit;

namespace Vit.Training.Tests;

/// <summary>The loop's own concerns: callback order, the metrics CSV's rows, stop requests and cancellation.</summary>
public sealed partial class TrainerTests
{
    [Fact]
    public void Fit_Callbacks_RunInOrderWithEachEpochEndAfterItsCheckpoint()
    {
        using var directory = new TempDirectory();
        using var data = new FitData();
        var options = FitOptions(directory.Path);
        options.CheckpointEverySteps = 0;
        var recorder = new Recorder(directory.Path);
        using var trainer = new Trainer(data.Model, options) { Callbacks = { recorder } };

        trainer.Fit(data.Train);

        // 40 samples in batches of 8: 5 updates an epoch, 2 epochs.
        recorder.Calls.Should().Equal(
            "start at step 0",
            "step 1 of epoch 0", "step 2 of epoch 0", "step 3 of epoch 0", "step 4 of epoch 0", "step 5 of epoch 0",
            "epoch 0 ends at step 5, trainer at epoch 1, checkpoint-00000005 written",
            "step 6 of epoch 1", "step 7 of epoch 1", "step 8 of epoch 1", "step 9 of epoch 1", "step 10 of epoch 1",
            "epoch 1 ends at step 10, trainer at epoch 2, checkpoint-00000010 written",
            "end at step 10");
    }

    [Fact]
    public void Fit_MetricsCsv_OneRowPerStepWindowAndPerEvaluationAcrossAStopAndAContinuation()
    {
        using var directory = new TempDirectory();
        string csv = Path.Combine(directory.Path, "metrics.csv");
        using var data = new FitData();
        var options = FitOptions(null);
        options.Epochs = 3;
        options.EvaluateEveryEpochs = 2;
        options.MetricsCsvPath = csv;
        var stopper = new StopAt(6);
        using var trainer = new Trainer(data.Model, options) { Callbacks = { stopper } };

        trainer.Fit(data.Train, data.Validation).StoppedEarly.Should().BeTrue();
        trainer.Callbacks.Remove(stopper);
        trainer.Fit(data.Train, data.Validation);

        var lines = File.ReadAllLines(csv);
        lines.Count(line => line.StartsWith("kind,", StringComparison.Ordinal)).Should().Be(1, "the continuation appends to the same file");
        var rows = lines.Skip(1).Select(line => line.Split(',')).ToList();
        // Every 2 updates a train row; the evaluations after epoch 2 (every 2 epochs) and after the last, epoch 3.
        rows.Select(r => $"{r[0]} {r[1]} {r[2]}").Should().Equal(
            "train 0 2", "train 0 4", "train 1 6", "train 1 8", "train 1 10", "eval 1 10", "train 2 12", "train 2 14", "eval 2 15");
        rows.Where(r => r[0] == "train").Should().OnlyContain(r => r[8] == string.Empty && r[9] == string.Empty && r[3].Length > 0);
        rows[^1][3].Should().Be(trainer.Evaluate(data.Validation).Loss.ToString("R", CultureInfo.InvariantCulture));
        rows[^1][4].Should().BeEmpty("an evaluation has no learning rate");
    }

    [Fact]
    public void Fit_StopRequestedAtAnEpochsEnd_EndsAfterThatEpochWithItsCheckpoint()
    {
        using var directory = new TempDirectory();
        using var data = new FitData();
        var options = FitOptions(directory.Path);
        options.Epochs = 3;
        options.CheckpointEverySteps = 0;
        using var trainer = new Trainer(data.Model, options) { Callbacks = { new StopAfterEpoch(0) } };

        var result = trainer.Fit(data.Train);

        result.StoppedEarly.Should().BeTrue();
        result.Steps.Should().Be(5);
        result.EpochLosses.Should().HaveCount(1);
        result.LastCheckpointPath.Should().EndWith("checkpoint-00000005.safetensors");
        trainer.Epoch.Should().Be(1);
        trainer.BatchInEpoch.Should().Be(0);
        Directory.GetFiles(directory.Path).Should().HaveCount(1, "the epoch's checkpoint is the one to resume from; no second one is written");
    }

    [Fact]
    public void Fit_StopRequestedAtTheLastEpochsEnd_IsNotAnEarlyStop()
    {
        using var data = new FitData();
        using var trainer = new Trainer(data.Model, FitOptions(null)) { Callbacks = { new StopAfterEpoch(1) } };

        var result = trainer.Fit(data.Train);

        result.StoppedEarly.Should().BeFalse();
        result.Steps.Should().Be(10);
    }

    [Fact]
    public void Fit_StopRequestedBeforeFit_IsForgottenWhenFitStarts()
    {
        using var data = new FitData();
        using var trainer = new Trainer(data.Model, FitOptions(null));
        trainer.RequestStop();
        trainer.StopRequested.Should().BeTrue();

        var result = trainer.Fit(data.Train);

        result.StoppedEarly.Should().BeFalse();
        result.Steps.Should().Be(10);
        trainer.StopRequested.Should().BeFalse();
    }

    [Fact]
    public void Fit_CancelledDuringAnUpdate_ThrowsAfterItWithTheCountersThere()
    {
        using var data = new FitData();
        using var cancellation = new CancellationTokenSource();
        var ends = new Recorder(directory: null);
        using var trainer = new Trainer(data.Model, FitOptions(null)) { Callbacks = { new CancelAt(7, cancellation), ends } };

        var fit = () => trainer.Fit(data.Train, cancellationToken: cancellation.Token);

        fit.Should().Throw<OperationCanceledException>();
        trainer.Step.Should().Be(7);
        trainer.Epoch.Should().Be(1);
        trainer.BatchInEpoch.Should().Be(2);
        ends.Calls.Should().NotContain(call => call.StartsWith("end", StringComparison.Ordinal), "OnFitEnd is for runs that return");
    }

    [Theory]
    [InlineData(1.0, false)]
    [InlineData(null, true)]
    public void Fit_ResumedFromACheckpoint_ComparesAgainstItsStoredBest(double? storedBest, bool bestWritten)
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var data = new FitData();
        var options = FitOptions(first.Path);
        options.CheckpointEverySteps = 0;
        options.EvaluateEveryEpochs = 1;
        options.BestCheckpointMetric = CheckpointMetric.ValidationTop1;
        string checkpoint = Path.Combine(first.Path, "checkpoint-00000005.safetensors");
        using (var trainer = new Trainer(data.Model, options) { Callbacks = { new StopAfterEpoch(0) } })
        {
            trainer.Fit(data.Train, data.Validation).BestCheckpointPath.Should().NotBeNull("the first evaluation is the best so far");
        }

        // A top-1 of 1.0 cannot be beaten; no stored value is beaten by any evaluation.
        RewriteCheckpoint(checkpoint, state => state["BestMetricValue"] = storedBest);
        options.CheckpointDirectory = second.Path;
        using var resumedModel = TestModels.Build(TestModels.Tiny(), seed: 8);
        using var resumed = new Trainer(resumedModel, options);
        resumed.LoadCheckpoint(checkpoint);

        var result = resumed.Fit(data.Train, data.Validation);

        result.Steps.Should().Be(10);
        File.Exists(Path.Combine(second.Path, "best.safetensors")).Should().Be(bestWritten);
        (result.BestCheckpointPath is not null).Should().Be(bestWritten);
    }

    [Fact]
    public void SaveCheckpoint_State_KeepsTheFormatsKeysInTheirOrder()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "state.safetensors");
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, FitOptions(null));

        trainer.SaveCheckpoint(path);

        var state = JsonNode.Parse(SafeTensors.ReadMetadata(path)["vit.training"])!.AsObject();
        state.Select(pair => pair.Key).Should().Equal(
            "Step", "SkippedSteps", "Epoch", "BatchInEpoch", "LastLearningRate", "LastGradientNorm", "BestMetricValue",
            "AdamSteps", "Schedule", "LossScale", "Options");
        state["LastLearningRate"]!.GetValue<string>().Should().Be("NaN", "no update was made");
    }

    /// <summary>The Fit tests' data: 40 random images in 5 batches of 8 per epoch, 16 for validation, and a tiny model.</summary>
    private sealed class FitData : IDisposable
    {
        private readonly InMemoryImageDataset _train = TestModels.RandomDataset(40, seed: 3);
        private readonly InMemoryImageDataset _validation = TestModels.RandomDataset(16, seed: 4);

        public FitData()
        {
            Train = Loader(_train);
            Validation = Loader(_validation, shuffle: false);
        }

        public BatchLoader Train { get; }

        public BatchLoader Validation { get; }

        public VisionTransformer Model { get; } = TestModels.Build(TestModels.Tiny());

        public void Dispose()
        {
            Model.Dispose();
            Train.Dispose();
            Validation.Dispose();
            _train.Dispose();
            _validation.Dispose();
        }
    }

    /// <summary>Writes down each call it gets, with what the trainer and the checkpoint folder say at that moment.</summary>
    private sealed class Recorder(string? directory) : ITrainerCallback
    {
        public List<string> Calls { get; } = [];

        public void OnFitStart(Trainer trainer) => Calls.Add($"start at step {trainer.Step}");

        public void OnStepEnd(Trainer trainer, TrainingStepResult result) => Calls.Add($"step {result.Step} of epoch {result.Epoch}");

        public void OnEpochEnd(Trainer trainer, TrainingProgress epoch)
        {
            string checkpoint = $"checkpoint-{epoch.Step:D8}";
            bool written = directory is not null && File.Exists(Path.Combine(directory, checkpoint + ".safetensors"));
            Calls.Add($"epoch {epoch.Epoch} ends at step {epoch.Step}, trainer at epoch {trainer.Epoch}, {checkpoint} {(written ? "written" : "missing")}");
        }

        public void OnFitEnd(Trainer trainer, FitResult result) => Calls.Add($"end at step {result.Steps}");
    }

    private sealed class StopAfterEpoch(int epoch) : ITrainerCallback
    {
        public void OnEpochEnd(Trainer trainer, TrainingProgress report)
        {
            if (report.Epoch == epoch)
            {
                trainer.RequestStop();
            }
        }
    }

    private sealed class CancelAt(int step, CancellationTokenSource cancellation) : ITrainerCallback
    {
        public void OnStepEnd(Trainer trainer, TrainingStepResult result)
        {
            if (result.Step == step)
            {
                cancellation.Cancel();
            }
        }
    }
}
