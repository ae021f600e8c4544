using Vit.Core;

namespace Vit.Training;

/// <summary>
/// Validates <see cref="TrainerOptions"/>: the DataAnnotations ranges on each property, and by hand the rules across
/// fields (<c>TotalSteps &gt; WarmupSteps</c>, ...) and that a path, when set, is not blank.
/// </summary>
public sealed class TrainerOptionsValidator : OptionsValidator<TrainerOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(TrainerOptions options)
    {
        foreach (var (field, path) in new[] { (nameof(options.MetricsCsvPath), options.MetricsCsvPath), (nameof(options.CheckpointDirectory), options.CheckpointDirectory) })
        {
            if (path is not null && string.IsNullOrWhiteSpace(path))
            {
                yield return $"TrainerOptions.{field} is {Show(path)} but must be null or a path";
            }
        }

        if (options.WarmupSteps > 0 && options.WarmupEpochs > 0)
        {
            yield return $"TrainerOptions.WarmupSteps is {options.WarmupSteps} and WarmupEpochs is {Show(options.WarmupEpochs)}, but only one of them may be set";
        }

        if (options.TotalSteps > 0 && options.TotalSteps <= options.WarmupSteps)
        {
            yield return $"TrainerOptions.TotalSteps is {options.TotalSteps} but must be greater than WarmupSteps ({options.WarmupSteps})";
        }

        if (options.EmaWarmup && options.EmaDecay is null)
        {
            yield return "TrainerOptions.EmaWarmup is true and EmaDecay is null, but EmaWarmup needs an EmaDecay (timm's train.py uses 0.9998)";
        }

        if (double.IsFinite(options.InitialLossScale) && options.InitialLossScale > float.MaxValue)
        {
            yield return $"TrainerOptions.InitialLossScale is {Show(options.InitialLossScale)} but must be at most {Show((double)float.MaxValue)} (the loss scale is a float32)";
        }

        if (options.LearningRate > 0 && options.MinLearningRate > options.LearningRate)
        {
            yield return $"TrainerOptions.MinLearningRate is {Show(options.MinLearningRate)} but must not exceed LearningRate ({Show(options.LearningRate)})";
        }
    }
}
