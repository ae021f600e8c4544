using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The presets of <c>--preset</c>, keyed by name, each saying only how it differs from the default (the initial values
/// of <see cref="RunSettings"/>): a small default that trains on a 2-core CPU in minutes, the same for longer, and
/// every preset of <see cref="VisionTransformerOptions.PresetNames"/> (the origin notebook's and timm's) with the
/// origin notebook's recipe.
/// </summary>
internal static class SamplePresets
{
    /// <summary>The default preset's name.</summary>
    public const string DefaultName = "fashion_small";

    /// <summary>The longer preset's name: the same data and model for up to an hour.</summary>
    public const string FullName = "fashion_full";

    /// <summary>Gets every preset, the default first.</summary>
    public static IReadOnlyList<SamplePreset> All { get; } = [Small, Full, .. VisionTransformerOptions.PresetNames.Select(Notebook)];

    /// <summary>Gets every preset name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(p => p.Name)];

    private static readonly Dictionary<string, SamplePreset> ByName = All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the default preset.</summary>
    public static SamplePreset Default => All[0];

    /// <summary>Looks a preset up by name (case-insensitive).</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    /// <returns>The preset, or <see langword="null"/> when the name is unknown.</returns>
    public static SamplePreset? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The preset <paramref name="settings"/> name (settings are checked when read, so the name is known).</summary>
    /// <exception cref="ArgumentException">The name is not a preset's.</exception>
    public static SamplePreset Of(RunSettings settings) =>
        Find(settings.Preset) ?? throw new ArgumentException($"Unknown preset '{settings.Preset}'.", nameof(settings));

    /// <summary>The default: <see cref="RunSettings"/>' own values (its remarks say why), with mean pooling.</summary>
    private static SamplePreset Small => new(new RunSettings(), new VisionTransformerOptions { Pooling = Pooling.Mean });

    /// <summary>
    /// The full-set preset: the default's model and schedule for 45 epochs, with the regularisers a longer schedule
    /// can use (Hide-and-Seek 0.15, label smoothing 0.1, drop-path 0.2, random erasing 0.5, a weight average with decay
    /// 0.998, which is reported); docs/recipes.md has the validation runs that chose them.
    /// </summary>
    private static SamplePreset Full => Small with
    {
        Defaults = Small.Defaults with
        {
            Preset = FullName, Epochs = 45, HideProbability = 0.15, LabelSmoothing = 0.1, DropPathRate = 0.2, EraseProbability = 0.5, EmaDecay = 0.998,
        },
        NeedsFullSet = true,
    };

    /// <summary>
    /// A core preset's model with the origin notebook's recipe (AdamW, lr 3e-3, betas 0.9/0.999, weight decay 0.3,
    /// batches of 2048, reached on one device as 16 micro-batches of 128).
    /// </summary>
    private static SamplePreset Notebook(string name)
    {
        var model = VisionTransformerOptions.FromPreset(name);
        return new SamplePreset(
            new RunSettings
            {
                Preset = name,
                PatchSize = model.PatchSize,
                StemChannels = null,
                Width = model.EmbedDim,
                Depth = model.Depth,
                Heads = model.NumHeads,
                MlpRatio = model.MlpRatio,
                Epochs = 100,
                BatchSize = 2048,
                Accumulation = 16,
                WeightDecay = 0.3,
                WarmupEpochs = 5,
                LabelSmoothing = 0.1,
                HideProbability = 0.5,
                TranslatePixels = 2,
                EvaluateEveryEpochs = 1,
            },
            model);
    }
}
