using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    private static TrainerOptions EmaOptions(double decay = 0.5, bool warmup = false)
    {
        var options = StepOptions();
        options.EmaDecay = decay;
        options.EmaWarmup = warmup;
        return options;
    }

    [Fact]
    public void Ema_AfterEachUpdate_IsDecayTimesItselfPlusTheRestOfTheWeights()
    {
        using var model = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var trainer = new Trainer(model, EmaOptions(decay: 0.5));
        using var expected = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var average = TestModels.Build(TestModels.Tiny(), seed: 99);

        for (int t = 0; t < 3; t++)
        {
            Train(trainer, t);
            using var noGrad = no_grad();
            var current = model.state_dict();
            foreach (var (name, value) in expected.state_dict())
            {
                value.mul_(0.5).add_(current[name], alpha: 0.5);
            }
        }

        trainer.Ema!.CopyTo(average);
        TestModels.MaxAbsDifference(average, expected.state_dict()).Should().BeLessThan(1e-7);
        TestModels.MaxAbsDifference(average, model.state_dict()).Should().BeGreaterThan(1e-4, "the average lags the weights");
    }

    [Fact]
    public void Ema_Warmup_FollowsModelEmaV3Decay()
    {
        using var model = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var trainer = new Trainer(model, EmaOptions(decay: 0.9, warmup: true));
        var ema = trainer.Ema!;

        ema.GetDecay(1).Should().Be(0, "the first update copies the weights (timm's step - 1 = 0)");
        ema.GetDecay(2).Should().BeApproximately(1 - Math.Pow(2, -2.0 / 3), 1e-15);
        ema.GetDecay(10).Should().BeApproximately(1 - Math.Pow(10, -2.0 / 3), 1e-15);
        ema.GetDecay(1000).Should().Be(0.9, "capped at EmaDecay");
        using (var plainModel = TestModels.Build(TestModels.Tiny(), seed: 6))
        using (var plain = new Trainer(plainModel, EmaOptions(decay: 0.9)))
        {
            plain.Ema!.GetDecay(1).Should().Be(0.9, "no warmup: the decay from the start");
        }

        Train(trainer, 0);
        using var average = TestModels.Build(TestModels.Tiny(), seed: 99);
        ema.CopyTo(average);
        TestModels.BitIdentical(average, model).Should().BeTrue("with warmup the first update's decay is 0");
    }

    [Fact]
    public void EvaluateEma_EqualsEvaluatingACopyOfTheAverageAndRestoresTheWeights()
    {
        using var model = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var trainer = new Trainer(model, EmaOptions(decay: 0.7));
        for (int t = 0; t < 3; t++)
        {
            Train(trainer, t);
        }

        using var snapshot = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, snapshot);
        using var copy = TestModels.Build(TestModels.Tiny(), seed: 98);
        trainer.Ema!.CopyTo(copy);
        var (images, labels) = TestModels.RandomBatch(32, seed: 48);

        var byTrainer = trainer.EvaluateEma([(images, labels)]);
        var trained = trainer.Evaluate(images, labels);
        using var other = new Trainer(copy, StepOptions());
        var byCopy = other.Evaluate(images, labels);

        byTrainer.Should().Be(byCopy);
        trained.Loss.Should().NotBe(byTrainer.Loss);
        TestModels.BitIdentical(model, snapshot).Should().BeTrue("the trained weights are back, bit for bit");
        Train(trainer, 3);
        trainer.Step.Should().Be(4);
    }

    [Fact]
    public void EvaluateEma_WithoutEma_SaysHowToTurnItOn()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        var (images, labels) = TestModels.RandomBatch(4, seed: 1);

        trainer.Ema.Should().BeNull();
        FluentActions.Invoking(() => trainer.EvaluateEma([(images, labels)])).Should().Throw<InvalidOperationException>()
            .WithMessage("There is no EMA to evaluate: set TrainerOptions.EmaDecay*");
    }

    [Fact]
    public void CopyTo_ModuleOfAnotherArchitecture_ThrowsAndCopiesNothing()
    {
        using var model = TestModels.Build(TestModels.Tiny(), seed: 5);
        using var trainer = new Trainer(model, EmaOptions());
        var wider = TestModels.Tiny();
        wider.NumClasses = 7;
        using var target = TestModels.Build(wider, seed: 6);
        using var before = TestModels.Build(wider, seed: 6);

        FluentActions.Invoking(() => trainer.Ema!.CopyTo(target)).Should().Throw<ArgumentException>()
            .WithMessage("The target module does not have the trained model's architecture: head.weight is [7, 64] there but [5, 64] here; head.bias is [7] there but [5] here. Nothing was copied.*");
        TestModels.BitIdentical(target, before).Should().BeTrue();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainStep_ResumedWithEma_IsBitIdenticalIncludingTheAverage(bool convolutionalStem)
    {
        // The stem adds BatchNorm buffers: running statistics the EMA lerps and a batch count it copies.
        var architecture = convolutionalStem ? BufferModels.TinyWithStem(dropout: 0.1) : TestModels.Tiny(dropout: 0.1);
        var options = EmaOptions(decay: 0.8, warmup: true);
        options.Seed = 7;
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "ema.safetensors");
        using var straight = TestModels.Build(architecture, seed: 5);
        using var straightAverage = TestModels.Build(architecture, seed: 50);
        using (var trainer = new Trainer(straight, options))
        {
            for (int t = 0; t < 5; t++)
            {
                Train(trainer, t);
            }

            trainer.Ema!.CopyTo(straightAverage);
        }

        using var first = TestModels.Build(architecture, seed: 5);
        using (var trainer = new Trainer(first, options))
        {
            for (int t = 0; t < 2; t++)
            {
                Train(trainer, t);
            }

            trainer.SaveCheckpoint(path);
        }

        using var resumed = TestModels.Build(architecture, seed: 1234);
        using var resumedAverage = TestModels.Build(architecture, seed: 51);
        using (var trainer = new Trainer(resumed, options))
        {
            trainer.LoadCheckpoint(path);
            for (int t = 2; t < 5; t++)
            {
                Train(trainer, t);
            }

            trainer.Ema!.CopyTo(resumedAverage);
        }

        TestModels.BitIdentical(straight, resumed).Should().BeTrue();
        TestModels.BitIdentical(straightAverage, resumedAverage).Should().BeTrue();
        TestModels.BitIdentical(straightAverage, straight).Should().BeFalse();
    }

    [Fact]
    public void LoadCheckpoint_WithoutEmaIntoATrainerWithEma_ThrowsAndChangesNothing()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "plain.safetensors");
        using (var source = TestModels.Build(TestModels.Tiny(), seed: 2))
        using (var sourceTrainer = new Trainer(source, StepOptions()))
        {
            Train(sourceTrainer, 0);
            sourceTrainer.SaveCheckpoint(path);
        }

        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, EmaOptions());
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        FluentActions.Invoking(() => trainer.LoadCheckpoint(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*the EMA weights (ema/...) are missing: the checkpoint was written without TrainerOptions.EmaDecay*Nothing was changed.");
        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(0);
    }
}
