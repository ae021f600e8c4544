namespace Vit.Samples.FashionMnist;

/// <summary>What one run trains with: the command line resolved against the preset's recipe (saved as run.json).</summary>
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

    public required int Seed { get; init; }

    /// <summary>float32, bfloat16 or float16: <see cref="Vit.Training.TrainerOptions.Precision"/> (float32 in runs from before the option).</summary>
    public string Precision { get; init; } = "float32";

    /// <summary>The Fashion-MNIST folder, or <see langword="null"/> for the shipped test split.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Train on only this many images (and hold out a quarter as many), for quick checks.</summary>
    public int? Limit { get; init; }
}
