using Vit.Core;
using Vit.Samples.FashionMnist.Options;

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
    /// The architecture a run trains: this preset's with the run's width, depth, heads, MLP ratio, patch size, stem and
    /// drop path, for Fashion-MNIST's channels and classes, the input padded to the smallest size from 28 whose patches
    /// tile it (28 for patch 4 or 7, 32 for patch 8 or 16; through the stem's strides with a stem; images are centred).
    /// A stem whose last width is the model's, with patch 1, gives the tokens itself (timm's <c>HybridEmbed(proj=False)</c>).
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
        options.StemChannels = settings.StemChannels is { } stem ? IntegerListAttribute.Parse(stem) : null;
        options.StemStrides = settings.StemStrides is { } strides ? IntegerListAttribute.Parse(strides) : null;
        options.StemProjection = !(options.HasStem && settings.PatchSize == 1 && options.StemChannels![^1] == settings.Width);
        options.ImageSize = InputSize(FashionMnistData.ImageSide, options);

        return options;
    }

    /// <summary>The smallest multiple of <paramref name="patchSize"/> that holds images of side <paramref name="imageSize"/>.</summary>
    public static int InputSize(int imageSize, int patchSize) => (imageSize + patchSize - 1) / patchSize * patchSize;

    /// <summary>The smallest input side from <paramref name="imageSize"/> on whose feature map (through the stem, if any) the patches of <paramref name="options"/> tile.</summary>
    private static int InputSize(int imageSize, VisionTransformerOptions options)
    {
        if (!options.HasStem)
        {
            return InputSize(imageSize, options.PatchSize);
        }

        // The stem's output side grows with the input's, so some side within a patch's worth of strides tiles.
        for (int side = imageSize; side < imageSize + (options.PatchSize * 1024); side++)
        {
            if (options.StemOutputSide(side) % options.PatchSize == 0)
            {
                return side;
            }
        }

        return imageSize;
    }
}
