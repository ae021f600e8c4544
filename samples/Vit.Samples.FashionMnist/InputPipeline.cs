using TorchSharp;
using Vit.Data;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The batch transforms of the sample. Training: random translation (zero padding, then a crop back), a random
/// left–right mirror, optionally RandAugment (on [0, 1] images, filling uncovered pixels with the black background),
/// centring on the model's input size, normalisation, then Hide-and-Seek filling hidden cells with the mean (0 after
/// normalisation) and optionally random erasing with per-pixel noise. Evaluation: centring and normalisation only.
/// </summary>
internal sealed class InputPipeline
{
    public InputPipeline(RunSettings settings, int modelImageSize, int dataImageSize, ChannelStatistics statistics)
    {
        var training = new List<torchvision.ITransform>();
        if (settings.TranslatePixels > 0)
        {
            training.Add(new RandomCrop(dataImageSize, dataImageSize, padding: settings.TranslatePixels));
        }

        training.Add(new RandomHorizontalFlip());

        if (settings.RandAugment is string config)
        {
            var options = RandAugmentOptions.Parse(config);
            options.FillValue = [0f];
            training.Add(new RandAugment(options));
        }

        var fit = new List<torchvision.ITransform>();
        if (modelImageSize != dataImageSize)
        {
            fit.Add(new CenterPad(dataImageSize, modelImageSize));
        }

        fit.Add(new Normalize(statistics));
        training.AddRange(fit);
        if (settings.HideProbability > 0)
        {
            training.Add(new HideAndSeek(new HideAndSeekOptions { HideProbability = settings.HideProbability }));
        }

        if (settings.EraseProbability > 0)
        {
            training.Add(new RandomErasing(new RandomErasingOptions { Probability = settings.EraseProbability, Mode = RandomErasingMode.Pixel }));
        }

        Training = training;
        Evaluation = fit;
    }

    /// <summary>Gets the training transforms, in order.</summary>
    public IReadOnlyList<torchvision.ITransform> Training { get; }

    /// <summary>Gets the evaluation transforms, in order.</summary>
    public IReadOnlyList<torchvision.ITransform> Evaluation { get; }
}
