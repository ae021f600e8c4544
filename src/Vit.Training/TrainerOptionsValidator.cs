using System.Globalization;
using Microsoft.Extensions.Options;

namespace Vit.Training;

/// <summary>
/// Checks a <see cref="TrainerOptions"/> for values that cannot work, each message naming the field and its value.
/// The range attributes on <see cref="TrainerOptions"/> say the same for DataAnnotations users; this validator also
/// checks the rules that span fields (<c>TotalSteps &gt; WarmupSteps</c>, ...).
/// </summary>
public sealed class TrainerOptionsValidator : IValidateOptions<TrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        Positive(failures, nameof(options.LearningRate), options.LearningRate);
        UnitInterval(failures, nameof(options.Beta1), options.Beta1);
        UnitInterval(failures, nameof(options.Beta2), options.Beta2);
        NonNegative(failures, nameof(options.Epsilon), options.Epsilon);
        NonNegative(failures, nameof(options.WeightDecay), options.WeightDecay);
        AtLeast(failures, nameof(options.LearningRateReferenceBatchSize), options.LearningRateReferenceBatchSize, 1);
        Defined(failures, nameof(options.LearningRateDecay), options.LearningRateDecay);
        AtLeast(failures, nameof(options.WarmupSteps), options.WarmupSteps, 0);
        NonNegative(failures, nameof(options.WarmupEpochs), options.WarmupEpochs);
        AtLeast(failures, nameof(options.TotalSteps), options.TotalSteps, 0);
        NonNegative(failures, nameof(options.WarmupInitialLearningRate), options.WarmupInitialLearningRate);
        NonNegative(failures, nameof(options.MinLearningRate), options.MinLearningRate);
        if (options.GradientClipNorm is double clip)
        {
            Positive(failures, nameof(options.GradientClipNorm), clip);
        }

        UnitInterval(failures, nameof(options.LabelSmoothing), options.LabelSmoothing);
        if (options.EmaDecay is double emaDecay)
        {
            UnitInterval(failures, nameof(options.EmaDecay), emaDecay);
        }

        if (options.LayerDecay is double layerDecay && !(layerDecay > 0 && layerDecay <= 1))
        {
            failures.Add(Format("TrainerOptions.{0} ({1}) must be in (0, 1].", nameof(options.LayerDecay), layerDecay));
        }

        AtLeast(failures, nameof(options.AccumulationSteps), options.AccumulationSteps, 1);
        Defined(failures, nameof(options.NonFiniteHandling), options.NonFiniteHandling);
        AtLeast(failures, nameof(options.Epochs), options.Epochs, 1);
        AtLeast(failures, nameof(options.EvaluateEveryEpochs), options.EvaluateEveryEpochs, 0);
        AtLeast(failures, nameof(options.LogEverySteps), options.LogEverySteps, 1);
        AtLeast(failures, nameof(options.CheckpointEverySteps), options.CheckpointEverySteps, 0);
        AtLeast(failures, nameof(options.KeepLastCheckpoints), options.KeepLastCheckpoints, 1);
        Defined(failures, nameof(options.BestCheckpointMetric), options.BestCheckpointMetric);
        PathOrNull(failures, nameof(options.MetricsCsvPath), options.MetricsCsvPath);
        PathOrNull(failures, nameof(options.CheckpointDirectory), options.CheckpointDirectory);

        // Rules across fields.
        if (options.WarmupSteps > 0 && options.WarmupEpochs > 0)
        {
            failures.Add(Format(
                "TrainerOptions.WarmupSteps ({0}) and WarmupEpochs ({1}) are both set; set only one of them.",
                options.WarmupSteps, options.WarmupEpochs));
        }

        if (options.TotalSteps > 0 && options.TotalSteps <= options.WarmupSteps)
        {
            failures.Add(Format(
                "TrainerOptions.TotalSteps ({0}) must be greater than WarmupSteps ({1}).",
                options.TotalSteps, options.WarmupSteps));
        }

        if (options.EmaWarmup && options.EmaDecay is null)
        {
            failures.Add("TrainerOptions.EmaWarmup is set but EmaDecay is null; set EmaDecay (timm's train.py uses 0.9998) or turn EmaWarmup off.");
        }

        if (options.LearningRate > 0 && options.MinLearningRate > options.LearningRate)
        {
            failures.Add(Format(
                "TrainerOptions.MinLearningRate ({0}) must not exceed LearningRate ({1}).",
                options.MinLearningRate, options.LearningRate));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem when the options are invalid.</summary>
    internal static void ThrowIfInvalid(TrainerOptions options)
    {
        var result = new TrainerOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TrainerOptions), result.Failures);
        }
    }

    private static void Positive(List<string> failures, string field, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            failures.Add(Format("TrainerOptions.{0} ({1}) must be a finite number greater than 0.", field, value));
        }
    }

    private static void NonNegative(List<string> failures, string field, double value)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            failures.Add(Format("TrainerOptions.{0} ({1}) must be a finite number >= 0.", field, value));
        }
    }

    private static void UnitInterval(List<string> failures, string field, double value)
    {
        if (!(value >= 0 && value < 1))
        {
            failures.Add(Format("TrainerOptions.{0} ({1}) must be in [0, 1).", field, value));
        }
    }

    private static void AtLeast(List<string> failures, string field, int value, int minimum)
    {
        if (value < minimum)
        {
            failures.Add(Format("TrainerOptions.{0} ({1}) must be at least {2}.", field, value, minimum));
        }
    }

    private static void Defined<TEnum>(List<string> failures, string field, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            failures.Add(Format(
                "TrainerOptions.{0} ({1}) is not one of {2}.", field, value, string.Join(", ", Enum.GetNames<TEnum>())));
        }
    }

    private static void PathOrNull(List<string> failures, string field, string? value)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            failures.Add(Format("TrainerOptions.{0} (\"{1}\") must be null or a path.", field, value));
        }
    }

    private static string Format(string format, params object[] args) =>
        string.Format(CultureInfo.InvariantCulture, format, args);
}
