using FluentAssertions;
using Xunit;

namespace Vit.Training.Tests;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void GetLearningRate_TrainerStepsRecipe_MatchesPyTorchRates()
    {
        // trainer_steps.json: base 1e-3, warmup 2 from 1e-5, cosine to 1e-5 at step 4.
        var schedule = new LearningRateSchedule(1e-3, warmupSteps: 2, totalSteps: 4, warmupInitialLearningRate: 1e-5, minLearningRate: 1e-5);

        double[] expected = [1e-05, 0.000505, 0.001, 0.000505];
        for (var t = 0; t < expected.Length; t++)
        {
            schedule.GetLearningRate(t).Should().BeApproximately(expected[t], 1e-15, "step {0}", t);
        }
    }

    [Fact]
    public void GetLearningRate_CosineAfterWarmup_FollowsHandComputedValues()
    {
        var schedule = new LearningRateSchedule(1.0, warmupSteps: 4, totalSteps: 12, warmupInitialLearningRate: 0.2, minLearningRate: 0.1);

        schedule.GetLearningRate(0).Should().Be(0.2);
        schedule.GetLearningRate(1).Should().BeApproximately(0.4, 1e-15);
        schedule.GetLearningRate(3).Should().BeApproximately(0.8, 1e-15);
        schedule.GetLearningRate(4).Should().Be(1.0);
        // Halfway through the decay: cos(pi/2) = 0, so the rate is (1 + 0.1) / 2.
        schedule.GetLearningRate(8).Should().BeApproximately(0.55, 1e-15);
        // (t - W) / (T - W) = 1/4: 0.1 + 0.9 * 0.5 * (1 + sqrt(2)/2).
        schedule.GetLearningRate(6).Should().BeApproximately(0.1 + (0.9 * 0.5 * (1 + (Math.Sqrt(2) / 2))), 1e-15);
        schedule.GetLearningRate(12).Should().BeApproximately(0.1, 1e-15);
        schedule.GetLearningRate(50).Should().BeApproximately(0.1, 1e-15, "the rate holds at the minimum after TotalSteps");
    }

    [Fact]
    public void GetLearningRate_LinearDecay_FallsOnAStraightLine()
    {
        var schedule = new LearningRateSchedule(2.0, warmupSteps: 0, totalSteps: 10, minLearningRate: 0.0, decay: LearningRateDecay.Linear);

        schedule.GetLearningRate(0).Should().Be(2.0);
        schedule.GetLearningRate(5).Should().BeApproximately(1.0, 1e-15);
        schedule.GetLearningRate(9).Should().BeApproximately(0.2, 1e-15);
        schedule.GetLearningRate(10).Should().Be(0.0);
    }

    [Fact]
    public void GetLearningRate_Constant_StaysAtBaseAfterWarmup()
    {
        var schedule = new LearningRateSchedule(0.5, warmupSteps: 2, totalSteps: 0, warmupInitialLearningRate: 0.0, decay: LearningRateDecay.Constant);

        schedule.GetLearningRate(0).Should().Be(0.0);
        schedule.GetLearningRate(1).Should().Be(0.25);
        schedule.GetLearningRate(2).Should().Be(0.5);
        schedule.GetLearningRate(1000).Should().Be(0.5);
    }

    [Fact]
    public void Constructor_TotalNotAfterWarmup_ThrowsNamingBoth()
    {
        var act = () => new LearningRateSchedule(1e-3, warmupSteps: 5, totalSteps: 5);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("totalSteps (5) must be greater than warmupSteps (5) for a Cosine decay.*");
    }

    [Fact]
    public void Constructor_NegativeRate_Throws()
    {
        var act = () => new LearningRateSchedule(-1e-3, warmupSteps: 0, totalSteps: 5);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("baseLearningRate");
    }

    [Fact]
    public void GetLearningRate_NegativeStep_Throws()
    {
        var schedule = new LearningRateSchedule(1e-3, warmupSteps: 0, totalSteps: 5);

        var act = () => schedule.GetLearningRate(-1);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void FromOptions_EpochsAndScaling_ConvertToSteps()
    {
        var options = new TrainerOptions
        {
            LearningRate = 3e-3,
            ScaleLearningRateByBatchSize = true,
            WarmupEpochs = 2.5,
            Epochs = 10,
            MinLearningRate = 1e-5,
        };

        var schedule = LearningRateSchedule.FromOptions(options, batchSize: 2048, stepsPerEpoch: 24);

        schedule.BaseLearningRate.Should().BeApproximately(3e-3 * 4, 1e-15, "2048 / 512 = 4");
        schedule.WarmupSteps.Should().Be(60);
        schedule.TotalSteps.Should().Be(240);
        schedule.MinLearningRate.Should().Be(1e-5);
    }

    [Fact]
    public void FromOptions_WarmupEpochsWithoutEpochLength_Throws()
    {
        var act = () => LearningRateSchedule.FromOptions(new TrainerOptions { WarmupEpochs = 1, TotalSteps = 100 }, 64, stepsPerEpoch: null);

        act.Should().Throw<InvalidOperationException>().WithMessage("TrainerOptions.WarmupEpochs needs the epoch length*");
    }

    [Fact]
    public void FromOptions_DerivedTotalNotAfterWarmup_Throws()
    {
        var act = () => LearningRateSchedule.FromOptions(new TrainerOptions { WarmupEpochs = 3, Epochs = 3 }, 64, stepsPerEpoch: 10);

        act.Should().Throw<InvalidOperationException>().WithMessage("The schedule's TotalSteps (30) must be greater than its WarmupSteps (30).");
    }
}
