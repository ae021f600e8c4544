using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The models <c>--preset</c> offers: a small default that trains on a 2-core CPU in minutes, and every preset of
/// <see cref="VisionTransformerOptions.PresetNames"/> (the origin notebook's and timm's), adapted to the data.
/// </summary>
internal static class SamplePresets
{
    /// <summary>The default preset's name.</summary>
    public const string DefaultName = "fashion_small";

    /// <summary>The longer preset's name: the same data in about 30 minutes.</summary>
    public const string FullName = "fashion_full";

    /// <summary>Gets every preset name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [DefaultName, FullName, .. VisionTransformerOptions.PresetNames];

    /// <summary>Looks a preset up (case-insensitive) and adapts it to the data.</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    /// <param name="channels">The data's channels (1 for Fashion-MNIST).</param>
    /// <param name="imageSize">The side of the data's square images (28 for Fashion-MNIST).</param>
    /// <param name="classes">The data's number of classes.</param>
    /// <returns>The preset, or <see langword="null"/> when the name is unknown.</returns>
    public static SamplePreset? Find(string name, int channels, int imageSize, int classes)
    {
        if (string.Equals(name, DefaultName, StringComparison.OrdinalIgnoreCase))
        {
            return new SamplePreset(DefaultName, "patch 7, 6 blocks x 128 wide, 4 heads, MLP ratio 2, mean pooling", Adapt(Small, channels, imageSize, classes), SmallRecipe);
        }

        if (string.Equals(name, FullName, StringComparison.OrdinalIgnoreCase))
        {
            return new SamplePreset(FullName, FullDescription, Adapt(Full, channels, imageSize, classes), FullRecipe) { NeedsFullSet = true };
        }

        if (!VisionTransformerOptions.PresetNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var options = VisionTransformerOptions.FromPreset(name);
        string description = $"{options.Depth} blocks x {options.EmbedDim} wide, {options.NumHeads} heads, patch {options.PatchSize}";
        return new SamplePreset(name.ToLowerInvariant(), description, Adapt(options, channels, imageSize, classes), NotebookRecipe);
    }

    /// <summary>
    /// Fits a preset to the data: its channels and classes, and as input size the smallest multiple of the patch
    /// size that holds the images (28 → 28 for patch 4 or 7, 32 for patch 8 or 16; images are centred and padded).
    /// </summary>
    private static VisionTransformerOptions Adapt(VisionTransformerOptions options, int channels, int imageSize, int classes)
    {
        options.InChannels = channels;
        options.NumClasses = classes;
        options.ImageSize = InputSize(imageSize, options.PatchSize);
        return options;
    }

    /// <summary>The smallest multiple of <paramref name="patchSize"/> that holds images of side <paramref name="imageSize"/>.</summary>
    public static int InputSize(int imageSize, int patchSize) => (imageSize + patchSize - 1) / patchSize * patchSize;

    /// <summary>
    /// A small ViT for 28x28 images: 7x7 patches give 16 tokens, so an image costs about a third of what 4x4
    /// patches (49 tokens) cost and a short budget buys three times the epochs, which matters more than the finer grid
    /// (docs/recipes.md).
    /// </summary>
    private static VisionTransformerOptions Small => new()
    {
        PatchSize = 7,
        EmbedDim = 128,
        Depth = 6,
        NumHeads = 4,
        MlpRatio = 2,
        Pooling = Pooling.Mean,
    };

    /// <summary>
    /// The default recipe, for the 60,000 training images in under 10 minutes on a 2-core CPU: 9 epochs (2,106
    /// updates of 256) at lr 3e-3. In a schedule this short every regulariser cost validation accuracy: Hide-and-Seek
    /// with label smoothing, a weight average, a higher learning rate (docs/recipes.md has the runs). The test images
    /// are evaluated once, after the last epoch.
    /// </summary>
    private static TrainingRecipe SmallRecipe => new()
    {
        Epochs = 9,
        BatchSize = 256,
        LearningRate = 3e-3,
        WeightDecay = 0.05,
        WarmupEpochs = 1,
        HideProbability = 0,
        LabelSmoothing = 0,
        TranslatePixels = 0,
        EmaDecay = null,
        EvaluateEveryEpochs = null,
    };

    private const string FullDescription = "patch 7, 6 blocks x 128 wide, 4 heads, MLP ratio 2, mean pooling; a longer schedule";

    /// <summary>The full-set model (docs/recipes.md has the runs that chose it).</summary>
    private static VisionTransformerOptions Full => Small;

    /// <summary>The full-set recipe, chosen on a validation split of the 60k training images (docs/recipes.md).</summary>
    private static TrainingRecipe FullRecipe => SmallRecipe with
    {
        Epochs = 35,
        HideProbability = 0.15,
        LabelSmoothing = 0.1,
        EmaDecay = 0.998,
    };

    /// <summary>
    /// The origin notebook's recipe (AdamW, lr 3e-3, betas 0.9/0.999, weight decay 0.3, batches of 2048), reached on
    /// one device as 16 micro-batches of 128.
    /// </summary>
    private static TrainingRecipe NotebookRecipe => new()
    {
        Epochs = 100,
        BatchSize = 2048,
        Accumulation = 16,
        LearningRate = 3e-3,
        WeightDecay = 0.3,
        WarmupEpochs = 5,
        HideProbability = 0.5,
    };
}
