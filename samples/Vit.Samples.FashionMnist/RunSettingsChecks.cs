using System.Globalization;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The ranges of a run.json read for <c>--resume</c>: the command line's own ranges, so a file edited or damaged by
/// hand fails with one line naming the file and field instead of an exception deep in training.
/// </summary>
internal static class RunSettingsChecks
{
    /// <summary>The largest run.json read: the settings are a few hundred bytes.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>Throws on the first field of <paramref name="settings"/> out of its range.</summary>
    /// <param name="settings">The settings as read.</param>
    /// <param name="path">The run.json they came from (named in the message).</param>
    /// <exception cref="UsageException">A field is out of range.</exception>
    public static void ThrowIfInvalid(RunSettings settings, string path)
    {
        string? problem = FirstProblem(settings);
        if (problem is not null)
        {
            throw new UsageException($"--resume: '{path}' is not a valid run.json: {problem}.");
        }
    }

    private static string? FirstProblem(RunSettings s) =>
        AtLeastOne("epochs", s.Epochs)
        ?? AtLeastOne("batchSize", s.BatchSize)
        ?? AtLeastOne("accumulation", s.Accumulation)
        ?? (s.BatchSize % s.Accumulation != 0 ? Invariant($"batchSize {s.BatchSize} is not divisible by accumulation {s.Accumulation}") : null)
        ?? Number("learningRate", s.LearningRate, v => v > 0, "a positive number")
        ?? Number("hideProbability", s.HideProbability, v => v is >= 0 and <= 1, "in [0, 1]")
        ?? Number("eraseProbability", s.EraseProbability, v => v is >= 0 and <= 1, "in [0, 1]")
        ?? Number("mixupAlpha", s.MixupAlpha, v => v >= 0, "a number of at least 0")
        ?? Number("cutmixAlpha", s.CutmixAlpha, v => v >= 0, "a number of at least 0")
        ?? Number("weightDecay", s.WeightDecay, v => v >= 0, "a number of at least 0")
        ?? Number("warmupEpochs", s.WarmupEpochs, v => v >= 0, "a number of at least 0")
        ?? Number("labelSmoothing", s.LabelSmoothing, v => v is >= 0 and < 1, "in [0, 1)")
        ?? Number("dropPathRate", s.DropPathRate, v => v is >= 0 and < 1, "in [0, 1)")
        ?? Number("emaDecay", s.EmaDecay, v => v is >= 0 and < 1, "in [0, 1)")
        ?? Number("validationFraction", s.ValidationFraction, v => v is >= 0 and < 1, "in [0, 1) (0 for none)")
        ?? Number("mlpRatio", s.MlpRatio, v => v > 0, "a positive number")
        ?? AtLeastOne("evaluateEveryEpochs", s.EvaluateEveryEpochs)
        ?? AtLeastOne("width", s.Width)
        ?? AtLeastOne("depth", s.Depth)
        ?? AtLeastOne("heads", s.Heads)
        ?? AtLeastOne("patchSize", s.PatchSize)
        ?? AtLeastOne("limit", s.Limit)
        ?? (s.TranslatePixels is < 0 ? Invariant($"translatePixels is {s.TranslatePixels} but must be at least 0") : null)
        ?? (s.Precision is not ("float32" or "bfloat16" or "float16") ? $"precision is '{s.Precision}' but must be float32, bfloat16 or float16" : null)
        ?? (s.DataDirectory is { } data && string.IsNullOrWhiteSpace(data) ? $"dataDirectory is '{data}' but must be a folder or absent" : null)
        ?? RandAugment(s.RandAugment);

    private static string? AtLeastOne(string field, int? value) =>
        value is int v && v < 1 ? Invariant($"{field} is {v} but must be at least 1") : null;

    private static string? Number(string field, double? value, Func<double, bool> inRange, string expected) =>
        value is double v && !(double.IsFinite(v) && inRange(v)) ? Invariant($"{field} is {v} but must be {expected}") : null;

    private static string? RandAugment(string? config)
    {
        if (config is null)
        {
            return null;
        }

        try
        {
            new Vit.Data.RandAugmentOptionsValidator().ThrowIfInvalid(Vit.Data.RandAugmentOptions.Parse(config));
            return null;
        }
        catch (Exception e) when (e is FormatException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            return $"randAugment: {e.Message}";
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
