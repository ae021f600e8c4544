namespace Vit.Samples.FashionMnist;

/// <summary>The training settings a preset runs with by default (each has a command-line option).</summary>
internal sealed record TrainingRecipe
{
    public required int Epochs { get; init; }

    /// <summary>Images per optimizer update (the logical batch).</summary>
    public required int BatchSize { get; init; }

    /// <summary>Micro-batches each logical batch is split into (same update, less memory).</summary>
    public int Accumulation { get; init; } = 1;

    public required double LearningRate { get; init; }

    public required double WeightDecay { get; init; }

    public required double WarmupEpochs { get; init; }

    public required double HideProbability { get; init; }

    public double LabelSmoothing { get; init; } = 0.1;

    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>Pixels of random translation (pad, then crop back) before Hide-and-Seek; 0 for none.</summary>
    public int TranslatePixels { get; init; } = 2;

    /// <summary>Whether images are mirrored left–right at random.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>The stochastic-depth rate of the last block (timm's drop_path_rate); 0 for none.</summary>
    public double DropPathRate { get; init; }

    /// <summary>The decay of an exponential moving average of the weights, or <see langword="null"/> for none.</summary>
    public double? EmaDecay { get; init; }

    /// <summary>timm's RandAugment config string, or <see langword="null"/> for none.</summary>
    public string? RandAugment { get; init; }

    /// <summary>The chance that random erasing (per-pixel noise) erases an image; 0 for none.</summary>
    public double EraseProbability { get; init; }

    /// <summary>Mixup's Beta alpha; 0 for none.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>CutMix's Beta alpha; 0 for none.</summary>
    public double CutmixAlpha { get; init; }

    /// <summary>Evaluate every this many epochs (and after the last); <see langword="null"/>: only after the last, so the test images are read once.</summary>
    public int? EvaluateEveryEpochs { get; init; } = 1;
}
