using System.Globalization;

namespace Vit.Training;

/// <summary>
/// The range checks on a checkpoint's JSON state (counters, options, schedule, AdamW step counts), run before any
/// part is restored, so a file whose numbers could not have come from training changes nothing.
/// </summary>
internal static class CheckpointStateChecks
{
    /// <summary>Adds one line to <paramref name="problems"/> per value of <paramref name="state"/> out of its range.</summary>
    public static void Check(CheckpointState state, List<string> problems)
    {
        var options = state.Options;
        foreach (string failure in new TrainerOptionsValidator().Failures(options))
        {
            problems.Add($"the stored options are invalid: {failure}");
        }

        Require(problems, state.Step >= 0 && state.Step < int.MaxValue, $"Step is {state.Step} but must be in [0, {int.MaxValue - 1}]");
        Require(problems, state.SkippedSteps >= 0 && state.SkippedSteps <= Math.Max(state.Step, 0), $"SkippedSteps is {state.SkippedSteps} but must be in [0, Step ({state.Step})]");
        Require(problems, state.Epoch >= 0 && state.Epoch <= options.Epochs, $"Epoch is {state.Epoch} but must be in [0, the stored Epochs ({options.Epochs})]");
        // One batch is one update: an epoch cannot be further along than training is.
        Require(problems, state.BatchInEpoch >= 0 && state.BatchInEpoch <= Math.Max(state.Step, 0), $"BatchInEpoch is {state.BatchInEpoch} but must be in [0, Step ({state.Step})]");
        Require(problems, state.Epoch < options.Epochs || state.BatchInEpoch == 0, $"BatchInEpoch is {state.BatchInEpoch} after the last epoch; a finished run's is 0");
        // NaN until the first update.
        Require(problems, double.IsNaN(state.LastLearningRate) || (double.IsFinite(state.LastLearningRate) && state.LastLearningRate >= 0), $"LastLearningRate is {state.LastLearningRate} but must be a finite number of at least 0");
        Require(problems, double.IsNaN(state.LastGradientNorm) || state.LastGradientNorm >= 0, $"LastGradientNorm is {state.LastGradientNorm} but must be at least 0");
        Require(problems, state.BestMetricValue is not double best || double.IsFinite(best), $"BestMetricValue is {state.BestMetricValue} but must be finite");
        foreach (var (name, steps) in state.AdamSteps)
        {
            // AdamW counts the updates it applied; skipped (non-finite) updates count in Step only.
            Require(problems, steps >= 0 && steps <= state.Step, $"the AdamW step count of {name} is {steps} but must be in [0, Step ({state.Step})]");
        }

        if (state.Schedule is { } schedule)
        {
            try
            {
                _ = schedule.ToSchedule();
            }
            catch (ArgumentOutOfRangeException e)
            {
                problems.Add($"the stored learning-rate schedule is invalid: {e.Message}");
            }
        }
    }

    private static void Require(List<string> problems, bool holds, FormattableString problem)
    {
        if (!holds)
        {
            problems.Add(problem.ToString(CultureInfo.InvariantCulture));
        }
    }
}
