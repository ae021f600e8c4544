using FluentAssertions;
using Vit.Core;
using Xunit;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void LoadCheckpoint_AfterInterruptedRewrite_RestoresThePreviousCheckpoint()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "checkpoint.safetensors");
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);
        Train(trainer, 1);
        trainer.SaveCheckpoint(path);
        using var saved = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, saved);
        Train(trainer, 2);
        Train(trainer, 3);

        // A crash while the next checkpoint is written to the same path leaves what SafeTensors.Save leaves: the
        // old file and a partial temporary file beside it (the rename never happened).
        string complete = Path.Combine(directory.Path, "newer.safetensors");
        trainer.SaveCheckpoint(complete);
        byte[] bytes = File.ReadAllBytes(complete);
        File.WriteAllBytes(Path.Combine(directory.Path, $".checkpoint.safetensors.{Guid.NewGuid():N}.tmp"), bytes[..(bytes.Length / 2)]);
        File.Delete(complete);

        using var restored = TestModels.Build(TestModels.Tiny(), seed: 42);
        using var resumed = new Trainer(restored, StepOptions());
        resumed.LoadCheckpoint(path);

        resumed.Step.Should().Be(2);
        TestModels.BitIdentical(restored, saved).Should().BeTrue();
    }

    [Fact]
    public void LoadCheckpoint_TruncatedFile_ThrowsAndChangesNothing()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "checkpoint.safetensors");
        using (var source = TestModels.Build(TestModels.Tiny(), seed: 2))
        using (var sourceTrainer = new Trainer(source, StepOptions()))
        {
            Train(sourceTrainer, 0);
            sourceTrainer.SaveCheckpoint(path);
        }

        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>().WithMessage($"*{path}*");

        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(1);
        Train(trainer, 1);
        trainer.Step.Should().Be(2, "the optimizer still works");
    }

    [Fact]
    public void LoadCheckpoint_OtherArchitecture_ThrowsNamingTensorsAndChangesNothing()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "deeper.safetensors");
        var deeper = TestModels.Tiny();
        deeper.Depth = 3;
        deeper.NumClasses = 7;
        using (var source = TestModels.Build(deeper))
        using (var sourceTrainer = new Trainer(source, StepOptions()))
        {
            sourceTrainer.SaveCheckpoint(path);
        }

        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*does not fit this model*model/head.weight is Float32 [7, 64] in the file but Float32 [5, 64] here*model/blocks.2.norm1.weight is not in this model*Nothing was changed.");

        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(0);
    }

    [Fact]
    public void LoadCheckpoint_PlainWeightsFile_SaysItIsNotACheckpoint()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());

        FluentActions.Invoking(() => trainer.LoadCheckpoint(TestFiles.Fixture("trainer_steps.initial.safetensors")))
            .Should().Throw<InvalidDataException>().WithMessage("*is not a Vit.Training checkpoint*");
    }

    [Fact]
    public void SaveCheckpoint_Contents_HoldMomentsCountersAndOptions()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "c.safetensors");
        using var model = TestModels.Build(TestModels.Tiny());
        var options = StepOptions();
        options.LabelSmoothing = 0.2;
        using var trainer = new Trainer(model, options);
        Train(trainer, 0);
        Train(trainer, 1);

        trainer.SaveCheckpoint(path);

        var tensors = SafeTensors.Load(path);
        try
        {
            var names = tensors.Keys.ToHashSet();
            int parameters = model.parameters().Count();
            names.Count(n => n.StartsWith("adamw/exp_avg/", StringComparison.Ordinal)).Should().Be(parameters);
            names.Count(n => n.StartsWith("adamw/exp_avg_sq/", StringComparison.Ordinal)).Should().Be(parameters);
            names.Should().Contain(["model/pos_embed", "adamw/exp_avg/blocks.1.attn.qkv.weight", "rng/cpu"]);
            // Second moments after two updates are positive wherever a gradient was.
            tensors["adamw/exp_avg_sq/head.weight"].min().item<float>().Should().BeGreaterThan(0);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }

        var stored = Trainer.ReadCheckpointOptions(path);
        stored.LabelSmoothing.Should().Be(0.2);
        stored.TotalSteps.Should().Be(8);
    }
}
