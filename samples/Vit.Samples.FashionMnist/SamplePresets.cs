using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The presets of <c>--preset</c>, every value of them in this one table: a small default that trains on a 2-core
/// CPU in minutes, the same for longer, and every preset of <see cref="VisionTransformerOptions.PresetNames"/> (the
/// origin notebook's and timm's) with the origin notebook's recipe.
/// </summary>
internal static class SamplePresets
{
    /// <summary>The default preset's name.</summary>
    public const string DefaultName = "fashion_small";

    /// <summary>The longer preset's name: the same data in about 30 minutes.</summary>
    public const string FullName = "fashion_full";

    /// <summary>Gets every preset, the default first.</summary>
    public static IReadOnlyList<SamplePreset> All { get; } = [Small, Full, .. VisionTransformerOptions.PresetNames.Select(Notebook)];

    /// <summary>Gets every preset name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(p => p.Name)];

    /// <summary>Gets the default preset.</summary>
    public static SamplePreset Default => All[0];

    /// <summary>Looks a preset up by name (case-insensitive).</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    /// <returns>The preset, or <see langword="null"/> when the name is unknown.</returns>
    public static SamplePreset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The preset <paramref name="settings"/> name (settings are checked when read, so the name is known).</summary>
    /// <exception cref="ArgumentException">The name is not a preset's.</exception>
    public static SamplePreset Of(RunSettings settings) =>
        Find(settings.Preset) ?? throw new ArgumentException($"Unknown preset '{settings.Preset}'.", nameof(settings));

    /// <summary>
    /// The default: a small ViT for 28x28 images trained on the 60,000 training images in under 10 minutes on a 2-core
    /// CPU. 7x7 patches give 16 tokens, so an image costs about a third of what 4x4 patches (49 tokens) cost and the
    /// budget buys three times the epochs, which matters more than the finer grid. 9 epochs are 2,106 updates of 256.
    /// In a schedule this short every regulariser cost validation accuracy: Hide-and-Seek with label smoothing, a
    /// weight average, a higher learning rate; the trained weights are reported and the test images are evaluated
    /// once, after the last epoch (docs/recipes.md has the runs).
    /// </summary>
    private static SamplePreset Small => new(
        new RunSettings
        {
            Preset = DefaultName,
            PatchSize = 7,
            Width = 128,
            Depth = 6,
            Heads = 4,
            MlpRatio = 2,
            DropPathRate = 0,
            Epochs = 9,
            BatchSize = 256,
            Accumulation = 1,
            LearningRate = 3e-3,
            WeightDecay = 0.05,
            WarmupEpochs = 1,
            LabelSmoothing = 0,
            GradientClipNorm = 1,
            HideProbability = 0,
            TranslatePixels = 0,
            RandAugment = null,
            EraseProbability = 0,
            MixupAlpha = 0,
            CutmixAlpha = 0,
            EmaDecay = 0,
            EvaluateEveryEpochs = 0,
        },
        new VisionTransformerOptions { Pooling = Pooling.Mean });

    /// <summary>
    /// The full-set preset: the default's model and schedule for 35 epochs, with the regularisers a longer schedule
    /// can use (Hide-and-Seek 0.15, label smoothing 0.1, a weight average with decay 0.998, which is reported).
    /// </summary>
    private static SamplePreset Full => Small with
    {
        Defaults = Small.Defaults with { Preset = FullName, Epochs = 35, HideProbability = 0.15, LabelSmoothing = 0.1, EmaDecay = 0.998 },
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
                Width = model.EmbedDim,
                Depth = model.Depth,
                Heads = model.NumHeads,
                MlpRatio = model.MlpRatio,
                DropPathRate = 0,
                Epochs = 100,
                BatchSize = 2048,
                Accumulation = 16,
                LearningRate = 3e-3,
                WeightDecay = 0.3,
                WarmupEpochs = 5,
                LabelSmoothing = 0.1,
                GradientClipNorm = 1,
                HideProbability = 0.5,
                TranslatePixels = 2,
                RandAugment = null,
                EraseProbability = 0,
                MixupAlpha = 0,
                CutmixAlpha = 0,
                EmaDecay = 0,
                EvaluateEveryEpochs = 1,
            },
            model);
    }
}
