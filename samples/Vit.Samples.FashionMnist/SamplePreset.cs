using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>A model for the sample plus the training recipe it is run with unless the command line says otherwise.</summary>
/// <param name="Name">The name <c>--preset</c> accepts.</param>
/// <param name="Description">One line for <c>--help</c>.</param>
/// <param name="Model">The architecture, already adapted to the data (channels, classes, input size).</param>
/// <param name="Recipe">The default training settings.</param>
internal sealed record SamplePreset(string Name, string Description, VisionTransformerOptions Model, TrainingRecipe Recipe)
{
    /// <summary>Gets a value indicating whether the preset is meant for the full 60k/10k set (its budget assumes it; <c>--data</c> must hold it).</summary>
    public bool NeedsFullSet { get; init; }

    /// <summary>Fills the settings a run left unset (older run.json files, or fields the command line did not give) from this preset.</summary>
    /// <param name="settings">The run's settings.</param>
    /// <returns>Settings whose nullable recipe and model fields all have values.</returns>
    public RunSettings Complete(RunSettings settings) => settings with
    {
        WeightDecay = settings.WeightDecay ?? Recipe.WeightDecay,
        WarmupEpochs = settings.WarmupEpochs ?? Recipe.WarmupEpochs,
        LabelSmoothing = settings.LabelSmoothing ?? Recipe.LabelSmoothing,
        DropPathRate = settings.DropPathRate ?? Recipe.DropPathRate,
        EmaDecay = settings.EmaDecay ?? Recipe.EmaDecay ?? 0,
        EvaluateEveryEpochs = settings.EvaluateEveryEpochs ?? Recipe.EvaluateEveryEpochs ?? settings.Epochs,
        ValidationFraction = settings.ValidationFraction ?? 0,
        Width = settings.Width ?? Model.EmbedDim,
        Depth = settings.Depth ?? Model.Depth,
        Heads = settings.Heads ?? Model.NumHeads,
        MlpRatio = settings.MlpRatio ?? Model.MlpRatio,
        PatchSize = settings.PatchSize ?? Model.PatchSize,
        TranslatePixels = settings.TranslatePixels ?? Recipe.TranslatePixels,
    };

    /// <summary>
    /// The architecture a run trains: this preset's with the run's width, depth, heads, MLP ratio, patch size and drop
    /// path, the input padded to the smallest multiple of the patch that holds the data's images.
    /// </summary>
    /// <param name="settings">Settings passed through <see cref="Complete"/>.</param>
    /// <param name="dataImageSize">The side of the data's square images.</param>
    /// <returns>New options (the preset's are not changed).</returns>
    public VisionTransformerOptions ModelFor(RunSettings settings, int dataImageSize)
    {
        var options = Model.Clone();
        options.EmbedDim = settings.Width ?? Model.EmbedDim;
        options.Depth = settings.Depth ?? Model.Depth;
        options.NumHeads = settings.Heads ?? Model.NumHeads;
        options.MlpRatio = settings.MlpRatio ?? Model.MlpRatio;
        options.PatchSize = settings.PatchSize ?? Model.PatchSize;
        options.DropPathRate = settings.DropPathRate ?? Recipe.DropPathRate;
        options.ImageSize = SamplePresets.InputSize(dataImageSize, options.PatchSize);
        return options;
    }
}
