using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void TrainStep_NaNLossWithThrow_StopsNamingTheStepAndKeepsWeights()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);
        Train(trainer, 1);
        using var before = TestModels.Build(TestModels.Tiny());
        CopyState(model, before);
        var (images, labels) = TestModels.RandomBatch(8, seed: 9);
        images[0, 0, 0, 0] = float.NaN;

        var act = () => trainer.TrainStep(images, labels);

        act.Should().Throw<TrainingDivergedException>()
            .WithMessage("Non-finite values at training step 2 *")
            .Which.Step.Should().Be(2);
        TestModels.BitIdentical(model, before).Should().BeTrue("the update was refused before AdamW ran");
        trainer.Step.Should().Be(2);
        // Training can go on from the same point with good data.
        Train(trainer, 2);
        trainer.Step.Should().Be(3);
    }

    [Fact]
    public void TrainStep_InfiniteInputWithSkip_SkipsTheUpdateAndGoesOn()
    {
        var options = StepOptions();
        options.NonFiniteHandling = NonFiniteHandling.SkipUpdate;
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, options);
        Train(trainer, 0);
        using var before = TestModels.Build(TestModels.Tiny());
        CopyState(model, before);
        var (images, labels) = TestModels.RandomBatch(8, seed: 9);
        images[3] = full([3, 16, 16], float.PositiveInfinity);

        float loss = trainer.TrainStep(images, labels);

        float.IsFinite(loss).Should().BeFalse();
        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(2, "the schedule moves on past a skipped update");
        trainer.SkippedSteps.Should().Be(1);
        Train(trainer, 2);
        TestModels.BitIdentical(model, before).Should().BeFalse("the next good batch updates the weights");
    }

    [Fact]
    public void TrainStep_BadBatches_ThrowBeforeAnyUpdate()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var options = StepOptions(accumulation: 4);
        using var trainer = new Trainer(model, options);
        using var before = TestModels.Build(TestModels.Tiny());
        CopyState(model, before);
        using var images = rand(8, 3, 16, 16);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 5 });
        using var good = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2 });

        FluentActions.Invoking(() => trainer.TrainStep(images, labels)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("labels must be in [0, 5) for this model; found values from 0 to 5.*");
        using (var negative = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, -1 }))
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, negative)).Should().Throw<ArgumentOutOfRangeException>()
                .WithMessage("labels must be in [0, 5) for this model; found values from -1 to 4.*");
        }

        using (var six = rand(6, 3, 16, 16))
        {
            FluentActions.Invoking(() => trainer.TrainStep(six, good.narrow(0, 0, 6))).Should().Throw<ArgumentException>()
                .WithMessage("A batch of 6 images cannot be split into AccumulationSteps (4) equal micro-batches.*");
        }

        FluentActions.Invoking(() => trainer.TrainStep(images, good.narrow(0, 0, 4))).Should().Throw<ArgumentException>()
            .WithMessage("images has 8 samples but targets has 4.*");
        using (var ints = good.to(ScalarType.Int32))
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, ints)).Should().Throw<ArgumentException>()
                .WithMessage("targets must be int64 class indices [B] or floating-point probabilities [B, K]; got Int32 with shape [8].*");
        }

        using (var gray = rand(8, 1, 16, 16))
        {
            FluentActions.Invoking(() => trainer.TrainStep(gray, good)).Should().Throw<ArgumentException>()
                .WithMessage("images has shape [8, 1, 16, 16]; this model expects [B, 3, 16, 16].*");
        }

        trainer.Step.Should().Be(0);
        TestModels.BitIdentical(model, before).Should().BeTrue();
    }

    [Fact]
    public void Constructor_OptionsThatCannotWork_ThrowNamingThem()
    {
        using var model = TestModels.Build(TestModels.Tiny());

        FluentActions.Invoking(() => new Trainer(model, new TrainerOptions { WarmupSteps = 10, TotalSteps = 5 }))
            .Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("TrainerOptions.TotalSteps is 5 but must be greater than WarmupSteps (10)");
        FluentActions.Invoking(() => new Trainer(model, new TrainerOptions { LearningRate = -1 }))
            .Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("TrainerOptions.LearningRate is -1 but must be a finite number greater than 0");
        FluentActions.Invoking(() => new Trainer(model, new TrainerOptions { Precision = ScalarType.Int64, LossScaleGrowthInterval = 0 }))
            .Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("TrainerOptions.Precision is Int64 but must be one of Float32, BFloat16, Float16; TrainerOptions.LossScaleGrowthInterval is 0 but must be at least 1");
    }
}
