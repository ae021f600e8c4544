using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>A preset of <c>--preset</c>: the settings a run starts from and the architecture they complete.</summary>
/// <param name="Defaults">Every setting of a run with this preset where the command line gives none.</param>
/// <param name="Architecture">The model options the settings do not hold (pooling, biases, norms); <see cref="ModelFor"/> fills in the rest.</param>
internal sealed record SamplePreset(RunSettings Defaults, VisionTransformerOptions Architecture)
{
    /// <summary>Gets the name <c>--preset</c> accepts.</summary>
    public string Name => Defaults.Preset;

    /// <summary>Gets a value indicating whether the preset is meant for the full 60k/10k set (its budget assumes it; <c>--data</c> must hold it).</summary>
    public bool NeedsFullSet { get; init; }

    /// <summary>
    /// The architecture a run trains: this preset's with the run's width, depth, heads, MLP ratio, patch size and drop
    /// path, for Fashion-MNIST's channels and classes, the input padded to the smallest multiple of the patch that holds
    /// its 28-pixel images (28 for patch 4 or 7, 32 for patch 8 or 16; images are centred).
    /// </summary>
    /// <param name="settings">The run's settings.</param>
    /// <returns>New options (the preset's are not changed).</returns>
    public VisionTransformerOptions ModelFor(RunSettings settings)
    {
        var options = Architecture.Clone();
        options.InChannels = FashionMnistData.Channels;
        options.NumClasses = FashionMnistData.Classes;
        options.EmbedDim = settings.Width;
        options.Depth = settings.Depth;
        options.NumHeads = settings.Heads;
        options.MlpRatio = settings.MlpRatio;
        options.PatchSize = settings.PatchSize;
        options.DropPathRate = settings.DropPathRate;
        options.ImageSize = InputSize(FashionMnistData.ImageSide, settings.PatchSize);
        return options;
    }

    /// <summary>The smallest multiple of <paramref name="patchSize"/> that holds images of side <paramref name="imageSize"/>.</summary>
    public static int InputSize(int imageSize, int patchSize) => (imageSize + patchSize - 1) / patchSize * patchSize;
}
