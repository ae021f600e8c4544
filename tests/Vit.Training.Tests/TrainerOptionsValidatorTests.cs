using System.ComponentModel.DataAnnotations;
using FluentAssertions;
using Xunit;

namespace Vit.Training.Tests;

public sealed class TrainerOptionsValidatorTests
{
    public static TheoryData<string, Action<TrainerOptions>, string> SingleFieldCases => new()
    {
        { "LearningRate", o => o.LearningRate = -0.001, "TrainerOptions.LearningRate is -0.001 but must be a finite number greater than 0" },
        { "LearningRate", o => o.LearningRate = double.NaN, "TrainerOptions.LearningRate is NaN but must be a finite number greater than 0" },
        { "Beta1", o => o.Beta1 = 1.0, "TrainerOptions.Beta1 is 1 but must be in [0, 1)" },
        { "Beta2", o => o.Beta2 = -0.5, "TrainerOptions.Beta2 is -0.5 but must be in [0, 1)" },
        { "WeightDecay", o => o.WeightDecay = -0.3, "TrainerOptions.WeightDecay is -0.3 but must be a finite number of at least 0" },
        { "WarmupInitialLearningRate", o => o.WarmupInitialLearningRate = double.PositiveInfinity, "TrainerOptions.WarmupInitialLearningRate is Infinity but must be a finite number of at least 0" },
        { "GradientClipNorm", o => o.GradientClipNorm = 0, "TrainerOptions.GradientClipNorm is 0 but must be null or a finite number greater than 0" },
        { "LabelSmoothing", o => o.LabelSmoothing = 1.5, "TrainerOptions.LabelSmoothing is 1.5 but must be in [0, 1)" },
        { "AccumulationSteps", o => o.AccumulationSteps = 0, "TrainerOptions.AccumulationSteps is 0 but must be at least 1" },
        { "WarmupSteps", o => o.WarmupSteps = -1, "TrainerOptions.WarmupSteps is -1 but must be at least 0" },
        { "Epochs", o => o.Epochs = 0, "TrainerOptions.Epochs is 0 but must be at least 1" },
        { "KeepLastCheckpoints", o => o.KeepLastCheckpoints = 0, "TrainerOptions.KeepLastCheckpoints is 0 but must be at least 1" },
        { "LearningRateDecay", o => o.LearningRateDecay = (LearningRateDecay)7, "TrainerOptions.LearningRateDecay is 7 but must be one of Cosine, Linear, Constant" },
        { "EmaDecay", o => o.EmaDecay = 1.0, "TrainerOptions.EmaDecay is 1 but must be null or in [0, 1)" },
        { "EmaDecay", o => o.EmaDecay = -0.1, "TrainerOptions.EmaDecay is -0.1 but must be null or in [0, 1)" },
        { "LayerDecay", o => o.LayerDecay = 0, "TrainerOptions.LayerDecay is 0 but must be null or in (0, 1]" },
        { "LayerDecay", o => o.LayerDecay = 1.25, "TrainerOptions.LayerDecay is 1.25 but must be null or in (0, 1]" },
        { "Precision", o => o.Precision = TorchSharp.torch.ScalarType.Int32, "TrainerOptions.Precision is Int32 but must be one of Float32, BFloat16, Float16" },
        { "Precision", o => o.Precision = TorchSharp.torch.ScalarType.Float64, "TrainerOptions.Precision is Float64 but must be one of Float32, BFloat16, Float16" },
        { "InitialLossScale", o => o.InitialLossScale = 0, "TrainerOptions.InitialLossScale is 0 but must be a finite number greater than 0" },
        { "InitialLossScale", o => o.InitialLossScale = -65536, "TrainerOptions.InitialLossScale is -65536 but must be a finite number greater than 0" },
        { "InitialLossScale", o => o.InitialLossScale = double.NaN, "TrainerOptions.InitialLossScale is NaN but must be a finite number greater than 0" },
        { "LossScaleGrowthInterval", o => o.LossScaleGrowthInterval = 0, "TrainerOptions.LossScaleGrowthInterval is 0 but must be at least 1" },
        { "LossScaleGrowthInterval", o => o.LossScaleGrowthInterval = -2000, "TrainerOptions.LossScaleGrowthInterval is -2000 but must be at least 1" },
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
    public void Validate_BlankPaths_FailNamingEach()
    {
        var options = new TrainerOptions { MetricsCsvPath = " ", CheckpointDirectory = "" };

        new TrainerOptionsValidator().Validate(null, options).Failures.Should().Equal(
            "TrainerOptions.MetricsCsvPath is \" \" but must be null or a path",
            "TrainerOptions.CheckpointDirectory is \"\" but must be null or a path");
    }

    [Fact]
    public void Validate_TotalStepsNotAfterWarmup_Fails()
    {
        var options = new TrainerOptions { WarmupSteps = 10, TotalSteps = 10 };

        new TrainerOptionsValidator().Validate(null, options).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.TotalSteps is 10 but must be greater than WarmupSteps (10)");
    }

    [Fact]
    public void Validate_WarmupInStepsAndEpochs_Fails()
    {
        var options = new TrainerOptions { WarmupSteps = 10, WarmupEpochs = 2.5 };

        new TrainerOptionsValidator().Validate(null, options).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.WarmupSteps is 10 and WarmupEpochs is 2.5, but only one of them may be set");
    }

    [Fact]
    public void Validate_MinAboveBase_Fails()
    {
        var options = new TrainerOptions { LearningRate = 1e-4, MinLearningRate = 1e-3 };

        new TrainerOptionsValidator().Validate(null, options).Failures
            .Should().ContainSingle().Which.Should().Be("TrainerOptions.MinLearningRate is 0.001 but must not exceed LearningRate (0.0001)");
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEach()
    {
        var options = new TrainerOptions { LearningRate = 0, AccumulationSteps = -2, LabelSmoothing = -0.1 };

        new TrainerOptionsValidator().Validate(null, options).Failures.Should().Equal(
            "TrainerOptions.LearningRate is 0 but must be a finite number greater than 0",
            "TrainerOptions.LabelSmoothing is -0.1 but must be in [0, 1)",
            "TrainerOptions.AccumulationSteps is -2 but must be at least 1");
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
            .Should().Equal("TrainerOptions.EmaWarmup is true and EmaDecay is null, but EmaWarmup needs an EmaDecay (timm's train.py uses 0.9998)");
    }

    [Fact]
    public void Validate_InitialLossScaleBeyondFloat32_Fails()
    {
        new TrainerOptionsValidator().Validate(null, new TrainerOptions { InitialLossScale = 1e39 }).Failures
            .Should().Equal("TrainerOptions.InitialLossScale is 1E+39 but must be at most 3.4028234663852886E+38 (the loss scale is a float32)");
    }

    [Theory]
    [InlineData(TorchSharp.torch.ScalarType.Float32)]
    [InlineData(TorchSharp.torch.ScalarType.BFloat16)]
    [InlineData(TorchSharp.torch.ScalarType.Float16)]
    public void Validate_SupportedPrecision_Succeeds(TorchSharp.torch.ScalarType precision)
    {
        new TrainerOptionsValidator().Validate(null, new TrainerOptions { Precision = precision, InitialLossScale = 3.4e38, LossScaleGrowthInterval = 1 }).Succeeded.Should().BeTrue();
    }
}
