namespace Vit.Samples.FashionMnist;

/// <summary>
/// What one run trains with: the command line resolved against the preset's recipe and model (saved as run.json).
/// Fields added after the first release are nullable so older run.json files still resume (null: the preset's value).
/// </summary>
internal sealed record RunSettings
{
    public required string Preset { get; init; }

    public required int Epochs { get; init; }

    public required int BatchSize { get; init; }

    public required int Accumulation { get; init; }

    public required double LearningRate { get; init; }

    public required double HideProbability { get; init; }

    /// <summary>timm's RandAugment config string (e.g. rand-m9-n2-mstd0.5), or <see langword="null"/> for none.</summary>
    public string? RandAugment { get; init; }

    /// <summary>The chance that random erasing (per-pixel noise) erases an image; 0 for none.</summary>
    public double EraseProbability { get; init; }

    /// <summary>Mixup's Beta alpha; 0 for none.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>CutMix's Beta alpha; 0 for none.</summary>
    public double CutmixAlpha { get; init; }

    /// <summary>Gets whether batches are mixed (soft targets) with Mixup and/or CutMix.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Mixes => MixupAlpha > 0 || CutmixAlpha > 0;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Epochs of linear learning-rate warmup.</summary>
    public double? WarmupEpochs { get; init; }

    /// <summary>Label smoothing (carried by the soft targets when batches are mixed).</summary>
    public double? LabelSmoothing { get; init; }

    /// <summary>The stochastic-depth rate of the last block.</summary>
    public double? DropPathRate { get; init; }

    /// <summary>The weight-average decay; 0 for no average. With an average, the reported and saved model is the average.</summary>
    public double? EmaDecay { get; init; }

    /// <summary>Evaluate every this many epochs (and after the last).</summary>
    public int? EvaluateEveryEpochs { get; init; }

    /// <summary>
    /// The fraction of each class of the training images held out for validation (evaluated instead of the test
    /// images, which the run then never reads); 0 for none.
    /// </summary>
    public double? ValidationFraction { get; init; }

    /// <summary>The model's width (embedding dimension).</summary>
    public int? Width { get; init; }

    /// <summary>The model's number of encoder blocks.</summary>
    public int? Depth { get; init; }

    /// <summary>The model's attention heads per block.</summary>
    public int? Heads { get; init; }

    /// <summary>The model's MLP hidden size as a multiple of the width.</summary>
    public double? MlpRatio { get; init; }

    /// <summary>The model's patch side in pixels.</summary>
    public int? PatchSize { get; init; }

    /// <summary>Pixels of random translation before the other augmentations; 0 for none.</summary>
    public int? TranslatePixels { get; init; }


    public required int Seed { get; init; }

    /// <summary>float32, bfloat16 or float16: <see cref="Vit.Training.TrainerOptions.Precision"/> (float32 in runs from before the option).</summary>
    public string Precision { get; init; } = "float32";

    /// <summary>The Fashion-MNIST folder, or <see langword="null"/> for the shipped test split.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Train on only this many images (and hold out a quarter as many), for quick checks.</summary>
    public int? Limit { get; init; }
}
