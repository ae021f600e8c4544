using System.Text.Json.Serialization;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// What one run trains with: its preset's <see cref="SamplePreset.Defaults"/> with the command line's values on top,
/// saved as run.json and read back by <c>--resume</c>. Each field is set by one option of <see cref="RunOptions"/>,
/// which also holds its flag, range and help.
/// </summary>
internal sealed record RunSettings
{
    /// <summary>The preset the run started from (<see cref="SamplePresets"/>).</summary>
    public required string Preset { get; init; }

    public required int Epochs { get; init; }

    /// <summary>Images per optimizer update (the logical batch).</summary>
    public required int BatchSize { get; init; }

    /// <summary>Micro-batches each logical batch is split into (same update, less memory).</summary>
    public required int Accumulation { get; init; }

    /// <summary>The peak learning rate (linear warmup, then cosine decay to 1 % of it).</summary>
    public required double LearningRate { get; init; }

    /// <summary>AdamW's decoupled weight decay.</summary>
    public required double WeightDecay { get; init; }

    /// <summary>Epochs of linear learning-rate warmup (at most half the run).</summary>
    public required double WarmupEpochs { get; init; }

    /// <summary>Label smoothing (carried by the soft targets when batches are mixed).</summary>
    public required double LabelSmoothing { get; init; }

    /// <summary>The global L2 norm the gradients are clipped to before each update, or <see langword="null"/> for no clipping.</summary>
    public required double? GradientClipNorm { get; init; }

    /// <summary>Hide-and-Seek's chance that each grid cell is hidden.</summary>
    public required double HideProbability { get; init; }

    /// <summary>Pixels of random translation (pad, then crop back) before the other augmentations; 0 for none.</summary>
    public required int TranslatePixels { get; init; }

    /// <summary>timm's RandAugment config string (e.g. rand-m9-n2-mstd0.5), or <see langword="null"/> for none.</summary>
    public required string? RandAugment { get; init; }

    /// <summary>The chance that random erasing (per-pixel noise) erases an image; 0 for none.</summary>
    public required double EraseProbability { get; init; }

    /// <summary>Mixup's Beta alpha; 0 for none.</summary>
    public required double MixupAlpha { get; init; }

    /// <summary>CutMix's Beta alpha; 0 for none.</summary>
    public required double CutmixAlpha { get; init; }

    /// <summary>The weight-average decay; 0 for no average. With an average, the reported and saved model is the average.</summary>
    public required double EmaDecay { get; init; }

    /// <summary>Evaluate every this many epochs and after the last; 0: only after the last.</summary>
    public required int EvaluateEveryEpochs { get; init; }

    /// <summary>The model's width (embedding dimension).</summary>
    public required int Width { get; init; }

    /// <summary>The model's number of encoder blocks.</summary>
    public required int Depth { get; init; }

    /// <summary>The model's attention heads per block.</summary>
    public required int Heads { get; init; }

    /// <summary>The model's MLP hidden size as a multiple of the width.</summary>
    public required double MlpRatio { get; init; }

    /// <summary>The model's patch side in pixels.</summary>
    public required int PatchSize { get; init; }

    /// <summary>The stochastic-depth rate of the last block (timm's drop_path_rate).</summary>
    public required double DropPathRate { get; init; }

    /// <summary>The seed of the initialisation, data order and augmentation (not a preset's choice).</summary>
    public int Seed { get; init; }

    /// <summary>float32, bfloat16 or float16: <see cref="Vit.Training.TrainerOptions.Precision"/> (not a preset's choice).</summary>
    public string Precision { get; init; } = "float32";

    /// <summary>
    /// The fraction of each class of the training images held out and evaluated instead of the test images (which the
    /// run then never reads), or <see langword="null"/> to evaluate on the test images.
    /// </summary>
    public double? ValidationFraction { get; init; }

    /// <summary>The Fashion-MNIST folder, or <see langword="null"/> for the shipped data.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Train on only this many images (and hold out a quarter as many), for quick checks; <see langword="null"/> for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Gets whether batches are mixed (soft targets) with Mixup and/or CutMix.</summary>
    [JsonIgnore]
    public bool Mixes => MixupAlpha > 0 || CutmixAlpha > 0;
}
