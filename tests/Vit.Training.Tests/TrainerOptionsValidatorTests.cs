using System.ComponentModel.DataAnnotations;
using FluentAssertions;
using Xunit;

namespace Vit.Training.Tests;

public sealed class TrainerOptionsValidatorTests
{
    public static TheoryData<string, Action<TrainerOptions>, string> SingleFieldCases => new()
    {
        { "LearningRate", o => o.LearningRate = -0.001, "TrainerOptions.LearningRate (-0.001) must be a finite number greater than 0." },
        { "LearningRate", o => o.LearningRate = double.NaN, "TrainerOptions.LearningRate (NaN) must be a finite number greater than 0." },
        { "Beta1", o => o.Beta1 = 1.0, "TrainerOptions.Beta1 (1) must be in [0, 1)." },
        { "Beta2", o => o.Beta2 = -0.5, "TrainerOptions.Beta2 (-0.5) must be in [0, 1)." },
        { "WeightDecay", o => o.WeightDecay = -0.3, "TrainerOptions.WeightDecay (-0.3) must be a finite number >= 0." },
        { "WarmupInitialLearningRate", o => o.WarmupInitialLearningRate = double.PositiveInfinity, "TrainerOptions.WarmupInitialLearningRate (Infinity) must be a finite number >= 0." },
        { "GradientClipNorm", o => o.GradientClipNorm = 0, "TrainerOptions.GradientClipNorm (0) must be a finite number greater than 0." },
        { "LabelSmoothing", o => o.LabelSmoothing = 1.5, "TrainerOptions.LabelSmoothing (1.5) must be in [0, 1)." },
        { "AccumulationSteps", o => o.AccumulationSteps = 0, "TrainerOptions.AccumulationSteps (0) must be at least 1." },
        { "WarmupSteps", o => o.WarmupSteps = -1, "TrainerOptions.WarmupSteps (-1) must be at least 0." },
        { "Epochs", o => o.Epochs = 0, "TrainerOptions.Epochs (0) must be at least 1." },
        { "KeepLastCheckpoints", o => o.KeepLastCheckpoints = 0, "TrainerOptions.KeepLastCheckpoints (0) must be at least 1." },
        { "LearningRateDecay", o => o.LearningRateDecay = (LearningRateDecay)7, "TrainerOptions.LearningRateDecay (7) is not one of Cosine, Linear, Constant." },
        { "EmaDecay", o => o.EmaDecay = 1.0, "TrainerOptions.EmaDecay (1) must be in [0, 1)." },
        { "EmaDecay", o => o.EmaDecay = -0.1, "TrainerOptions.EmaDecay (-0.1) must be in [0, 1)." },
        { "LayerDecay", o => o.LayerDecay = 0, "TrainerOptions.LayerDecay (0) must be in (0, 1]." },
        { "LayerDecay", o => o.LayerDecay = 1.25, "TrainerOptions.LayerDecay (1.25) must be in (0, 1]." },
    };

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        new TrainerOptionsValidator().Validate(null, new TrainerOptions()).Succeeded.Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(SingleFieldCases))]
    public void Validate_BadField_FailsNamingFieldAndValue(string field, Action<TrainerOptions> spoil, string message)
    {
        var options = new TrainerOptions();
        spoil(options);

        var result = new TrainerOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().ContainSingle().Which.Should().Be(message);
        // The DataAnnotations on the options class agree with the validator about the same field.
        var annotationErrors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), annotationErrors, validateAllProperties: true).Should().BeFalse();
        annotationErrors.SelectMany(e => e.MemberNames).Should().Contain(field);
    }

    [Fact]
    public void Validate_TotalStepsNotAfterWarmup_Fails()
    {
        var options = new TrainerOptions { WarmupSteps = 10, TotalSteps = 10 };

        new TrainerOptionsValidator().Validate(null, options).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.TotalSteps (10) must be greater than WarmupSteps (10).");
    }

    [Fact]
    public void Validate_WarmupInStepsAndEpochs_Fails()
    {
        var options = new TrainerOptions { WarmupSteps = 10, WarmupEpochs = 2.5 };

        new TrainerOptionsValidator().Validate(null, options).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.WarmupSteps (10) and WarmupEpochs (2.5) are both set; set only one of them.");
    }

    [Fact]
    public void Validate_MinAboveBase_Fails()
    {
        var options = new TrainerOptions { LearningRate = 1e-4, MinLearningRate = 1e-3 };

        new TrainerOptionsValidator().Validate(null, options).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.MinLearningRate (0.001) must not exceed LearningRate (0.0001).");
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEach()
    {
        var options = new TrainerOptions { LearningRate = 0, AccumulationSteps = -2, LabelSmoothing = -0.1 };

        new TrainerOptionsValidator().Validate(null, options).Failures.Should().HaveCount(3);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.9999)]
    public void Validate_EmaDecayInRange_Succeeds(double decay)
    {
        new TrainerOptionsValidator().Validate(null, new TrainerOptions { EmaDecay = decay, LayerDecay = 1.0 }).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validate_EmaWarmupWithoutDecay_Fails()
    {
        new TrainerOptionsValidator().Validate(null, new TrainerOptions { EmaWarmup = true }).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.EmaWarmup is set but EmaDecay is null; set EmaDecay (timm's train.py uses 0.9998) or turn EmaWarmup off.");
    }
}
