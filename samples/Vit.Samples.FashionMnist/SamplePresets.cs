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

    /// <summary>Gets every preset name, the default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [DefaultName, .. VisionTransformerOptions.PresetNames];

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
            return new SamplePreset(DefaultName, "patch 4, 6 blocks x 128 wide, 4 heads, mean pooling (~0.8 M parameters)", Adapt(Small, channels, imageSize, classes), SmallRecipe);
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
        options.ImageSize = (imageSize + options.PatchSize - 1) / options.PatchSize * options.PatchSize;
        return options;
    }

    private static VisionTransformerOptions Small => new()
    {
        PatchSize = 4,
        EmbedDim = 128,
        Depth = 6,
        NumHeads = 4,
        MlpRatio = 2,
        Pooling = Pooling.Mean,
    };

    private static TrainingRecipe SmallRecipe => new()
    {
        Epochs = 12,
        BatchSize = 128,
        LearningRate = 2e-3,
        WeightDecay = 0.05,
        WarmupEpochs = 1,
        HideProbability = 0.25,
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
