namespace Vit.Samples.FashionMnist.Options;

/// <summary>
/// Every option of the sample, in usage order: the properties of <see cref="RunSettings"/> (saved in run.json, refused
/// with <c>--resume</c>, their defaults the preset's) and then of <see cref="CommandLineRequest"/> that carry an
/// <see cref="OptionAttribute"/>, each in declaration order.
/// </summary>
internal static class RunOptions
{
    /// <summary>The text that turns an optional setting off (<c>--randaug none</c>).</summary>
    public const string None = "none";

    /// <summary>Gets every option, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<RunOption> All { get; } = [.. Declared<RunSettings>(), .. Declared<CommandLineRequest>()];

    /// <summary>The option that sets <paramref name="field"/>.</summary>
    public static RunOption Of(string field) => All.Single(o => o.Field.Name == field);

    /// <summary>
    /// The first rule <paramref name="settings"/> break, each field against its option, then the rules across fields;
    /// <see langword="null"/> when there is none.
    /// </summary>
    /// <param name="settings">The settings (from the command line, or from a run.json).</param>
    /// <param name="label">What the message calls an option: its flag, or its run.json field.</param>
    /// <returns>The message, without a final period.</returns>
    public static string? FirstProblem(RunSettings settings, Func<RunOption, string> label)
    {
        foreach (var option in All.Where(o => o.IsSetting))
        {
            if (option.Problem(label(option), option.Field.GetValue(settings)) is string problem)
            {
                return problem;
            }
        }

        if (settings.StemStrides is { } strides && strides.Split(',').Length != (settings.StemChannels?.Split(',').Length ?? 0))
        {
            string channels = settings.StemChannels is null ? "no stem" : $"{label(Of(nameof(RunSettings.StemChannels)))} {settings.StemChannels}";
            return $"{label(Of(nameof(RunSettings.StemStrides)))} {strides} must give one stride per stem convolution; got {channels}";
        }

        return settings.BatchSize % settings.Accumulation == 0
            ? null
            : $"{label(Of(nameof(RunSettings.BatchSize)))} {settings.BatchSize} is not divisible by {label(Of(nameof(RunSettings.Accumulation)))} {settings.Accumulation}";
    }

    /// <summary>The default as <c>--help</c> says it: the field's value when no option is given ("the preset's" where presets differ).</summary>
    public static string DefaultText(RunOption option)
    {
        if (option.DefaultText is not null)
        {
            return option.DefaultText;
        }

        if (!option.IsSetting)
        {
            object? value = option.Field.GetValue(new CommandLineRequest());
            return value is null or bool ? "" : Requirement.Show(value).Trim('\'');
        }

        object? ours = option.Field.GetValue(SamplePresets.Default.Defaults);
        string text = ours is null ? option.NoneText ?? "" : Requirement.Show(ours).Trim('\'');
        return option.PresetChooses ? $"the preset's; {text} for {SamplePresets.DefaultName}" : text;
    }

    /// <summary>The options <typeparamref name="T"/>'s properties declare, in declaration order.</summary>
    private static IEnumerable<RunOption> Declared<T>() =>
        typeof(T).GetProperties().Where(p => p.IsDefined(typeof(OptionAttribute), inherit: false)).OrderBy(p => p.MetadataToken).Select(p => new RunOption(p));
}
