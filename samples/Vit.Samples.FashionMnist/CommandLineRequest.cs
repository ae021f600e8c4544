namespace Vit.Samples.FashionMnist;

/// <summary>The parsed command line: new-run settings (unset ones come from the preset) or a run to resume.</summary>
internal sealed record CommandLineRequest
{
    public required string Preset { get; init; }

    public int? Epochs { get; init; }

    public int? BatchSize { get; init; }

    public int? Accumulation { get; init; }

    public double? LearningRate { get; init; }

    public double? HideProbability { get; init; }

    /// <summary>timm's RandAugment config string, or <see langword="null"/> for none.</summary>
    public string? RandAugment { get; init; }

    /// <summary>Random-erasing probability, or <see langword="null"/> for none.</summary>
    public double? EraseProbability { get; init; }

    /// <summary>Mixup's alpha, or <see langword="null"/> for none.</summary>
    public double? MixupAlpha { get; init; }

    /// <summary>CutMix's alpha, or <see langword="null"/> for none.</summary>
    public double? CutmixAlpha { get; init; }

    public double? WeightDecay { get; init; }

    public double? WarmupEpochs { get; init; }

    public double? LabelSmoothing { get; init; }

    public double? DropPathRate { get; init; }

    /// <summary>The weight-average decay (0 turns a preset's average off), or <see langword="null"/> for the preset's.</summary>
    public double? EmaDecay { get; init; }

    public int? EvaluateEveryEpochs { get; init; }

    /// <summary>The fraction of each class of the training images to validate on instead of the test images, or <see langword="null"/> for none.</summary>
    public double? ValidationFraction { get; init; }

    public int? Width { get; init; }

    public int? Depth { get; init; }

    public int? Heads { get; init; }

    public double? MlpRatio { get; init; }

    public int? PatchSize { get; init; }

    public int? TranslatePixels { get; init; }


    public required int Seed { get; init; }

    /// <summary>float32, bfloat16 or float16 (<see cref="Vit.Training.TrainerOptions.Precision"/>).</summary>
    public string Precision { get; init; } = "float32";

    public required string Device { get; init; }

    public string? Resume { get; init; }

    public string? DataDirectory { get; init; }

    public string? OutputDirectory { get; init; }

    public int? Limit { get; init; }

    /// <summary>libtorch's intra-op threads, or <see langword="null"/> for its default.</summary>
    public int? Threads { get; init; }

    /// <summary>The folder for TensorBoard event files, or <see langword="null"/> for none.</summary>
    public string? TensorBoardDirectory { get; init; }

    /// <summary>Gets whether to train data-parallel over MPI (one process per rank under mpirun).</summary>
    public bool Distributed { get; init; }
}
