using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Vit.Core;
using Vit.Data;
using Vit.Samples.FashionMnist.Options;
using Vit.Training;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// What one run trains with, saved as run.json and read back by <c>--resume</c>. Each property is one option
/// (<see cref="OptionAttribute"/>: flag, help, range), in the order <c>--help</c> lists them; its initializer is the
/// default preset's value (<see cref="SamplePresets"/>; the other presets say what they change).
/// </summary>
/// <remarks>
/// The default trains a small hybrid ViT on the 60,000 training images in under 10 minutes on a 2-core CPU: a
/// convolutional stem (3x3 convolutions of 32, 64 and 128 channels, stride 2 each) turns 28x28 images into a 4x4 map
/// whose 16 positions are the tokens, as many as 7x7 patches give, for about 5 % more time per image and 2-4 points
/// more validation top-1 per epoch. 9 epochs are 2,106 updates of 256. In a schedule this short every regulariser cost
/// validation accuracy: Hide-and-Seek with label smoothing, a weight average, a higher learning rate; the trained
/// weights are reported and the test images are evaluated once, after the last epoch (docs/recipes.md).
/// </remarks>
internal sealed record RunSettings
{
    /// <summary>The epochs to train.</summary>
    [Option("--epochs", "Epochs to train")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.Epochs))]
    public int Epochs { get; init; } = 9;

    /// <summary>The preset the run started from (<see cref="SamplePresets"/>).</summary>
    [Option("--preset", "Model and recipe", DefaultText = SamplePresets.DefaultName)]
    [PresetName]
    public string Preset { get; init; } = SamplePresets.DefaultName;

    /// <summary>Images per optimizer update (the logical batch).</summary>
    [Option("--batch-size", "Images per optimizer update")]
    [RangeOf(typeof(BatchLoaderOptions), nameof(BatchLoaderOptions.BatchSize))]
    public int BatchSize { get; init; } = 256;

    /// <summary>Micro-batches each logical batch is split into (same update, less memory).</summary>
    [Option("--accumulation", "Split each update's batch into this many micro-batches (same update, less memory)")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.AccumulationSteps))]
    public int Accumulation { get; init; } = 1;

    /// <summary>The peak learning rate (linear warmup, then cosine decay to 1 % of it).</summary>
    [Option("--lr", "Peak learning rate (warmup, then cosine decay)")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.LearningRate))]
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Hide-and-Seek's chance that each grid cell is hidden.</summary>
    [Option("--hide-prob", "Hide-and-Seek: chance that each grid cell is hidden, in [0, 1]")]
    [RangeOf(typeof(HideAndSeekOptions), nameof(HideAndSeekOptions.HideProbability))]
    public double HideProbability { get; init; }

    /// <summary>timm's RandAugment config string (e.g. rand-m9-n2-mstd0.5), or <see langword="null"/> for none.</summary>
    [Option("--randaug", $"timm's RandAugment config, e.g. rand-m9-n2-mstd0.5 (on [0, 1] images, black fill), or {RunOptions.None}", NoneText = RunOptions.None)]
    [RandAugmentConfig]
    public string? RandAugment { get; init; }

    /// <summary>The chance that random erasing (per-pixel noise) erases an image; 0 for none.</summary>
    [Option("--erase", "Random erasing (timm's, per-pixel noise) probability per image, in [0, 1]")]
    [RangeOf(typeof(RandomErasingOptions), nameof(RandomErasingOptions.Probability))]
    public double EraseProbability { get; init; }

    /// <summary>Mixup's Beta alpha; 0 for none.</summary>
    [Option("--mixup", "Mixup's Beta alpha, e.g. 0.8 (soft targets; label smoothing moves into them); 0 for none")]
    [RangeOf(typeof(MixupOptions), nameof(MixupOptions.MixupAlpha))]
    public double MixupAlpha { get; init; }

    /// <summary>CutMix's Beta alpha; 0 for none.</summary>
    [Option("--cutmix", "CutMix's Beta alpha, e.g. 1.0; with --mixup each batch uses one or the other; 0 for none")]
    [RangeOf(typeof(MixupOptions), nameof(MixupOptions.CutmixAlpha))]
    public double CutmixAlpha { get; init; }

    /// <summary>AdamW's decoupled weight decay.</summary>
    [Option("--weight-decay", "AdamW's decoupled weight decay")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.WeightDecay))]
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>AdamW's decay of its average of squared gradients (beta2).</summary>
    [Option("--beta2", "AdamW's decay of its average of squared gradients (beta2), in [0, 1)")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.Beta2))]
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Epochs of linear learning-rate warmup (at most half the run).</summary>
    [Option("--warmup-epochs", "Epochs of linear learning-rate warmup")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.WarmupEpochs))]
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>Label smoothing (carried by the soft targets when batches are mixed).</summary>
    [Option("--smoothing", "Label smoothing, in [0, 1)")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.LabelSmoothing))]
    public double LabelSmoothing { get; init; }

    /// <summary>The global L2 norm the gradients are clipped to before each update, or <see langword="null"/> for no clipping.</summary>
    [Option("--clip-grad", $"Clip the gradients' global L2 norm to this before each update, or {RunOptions.None}", NoneText = RunOptions.None)]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.GradientClipNorm))]
    public double? GradientClipNorm { get; init; } = 1;

    /// <summary>The stochastic-depth rate of the last block (timm's drop_path_rate).</summary>
    [Option("--drop-path", "Stochastic depth of the last block (rising linearly from 0 over the blocks), in [0, 1)")]
    [RangeOf(typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.DropPathRate))]
    public double DropPathRate { get; init; }

    /// <summary>The weight-average decay; 0 for no average. With an average, the reported and saved model is the average.</summary>
    [Option("--ema", "Decay of a moving average of the weights, in [0, 1); the average is then what is reported and saved; 0 for none")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.EmaDecay))]
    public double EmaDecay { get; init; }

    /// <summary>Evaluate every this many epochs and after the last; 0: only after the last.</summary>
    [Option("--eval-every", "Evaluate every this many epochs, and after the last; 0: only after the last")]
    [RangeOf(typeof(TrainerOptions), nameof(TrainerOptions.EvaluateEveryEpochs))]
    public int EvaluateEveryEpochs { get; init; }

    /// <summary>
    /// The fraction of each class of the training images held out and evaluated instead of the test images (which the
    /// run then never reads), or <see langword="null"/> to evaluate on the test images.
    /// </summary>
    [Option("--validation-split", "Hold out this fraction of each class of the training images (fixed seed) and evaluate on them; the test images are then not read. For choosing settings; in (0, 1)", PresetChooses = false)]
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double? ValidationFraction { get; init; }

    /// <summary>The model's width (embedding dimension).</summary>
    [Option("--width", "The model's width (embedding dimension)")]
    [RangeOf(typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.EmbedDim))]
    public int Width { get; init; } = 128;

    /// <summary>The model's number of encoder blocks.</summary>
    [Option("--depth", "The model's number of encoder blocks")]
    [RangeOf(typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.Depth))]
    public int Depth { get; init; } = 6;

    /// <summary>The model's attention heads per block.</summary>
    [Option("--heads", "Attention heads per block; must divide the width")]
    [RangeOf(typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.NumHeads))]
    public int Heads { get; init; } = 4;

    /// <summary>The model's MLP hidden size as a multiple of the width.</summary>
    [Option("--mlp-ratio", "MLP hidden size as a multiple of the width")]
    [RangeOf(typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.MlpRatio))]
    public double MlpRatio { get; init; } = 2;

    /// <summary>The output channels of each convolution of the model's convolutional stem, or <see langword="null"/> for none.</summary>
    [Option("--stem", $"Channels of each convolution of a convolutional stem before the patches (timm's ConvStem: 3x3, BatchNorm, ReLU), e.g. 16,32,64,128, or {RunOptions.None}; with --patch 1 and the last equal to --width the stem's features are the tokens", NoneText = RunOptions.None)]
    [IntegerList]
    public string? StemChannels { get; init; } = "32,64,128";

    /// <summary>The stride of each stem convolution, or <see langword="null"/> for 2 each.</summary>
    [Option("--stem-strides", $"Stride of each stem convolution, e.g. 1,2,2,2, or {RunOptions.None} for 2 each", NoneText = RunOptions.None)]
    [IntegerList]
    public string? StemStrides { get; init; }

    /// <summary>The model's patch side in pixels.</summary>
    [Option("--patch", "Patch side in pixels, of the stem's feature map with a stem (the input is padded so that the patches tile it)")]
    [RangeOf(typeof(VisionTransformerOptions), nameof(VisionTransformerOptions.PatchSize))]
    public int PatchSize { get; init; } = 1;

    /// <summary>Pixels of random translation (pad, then crop back) before the other augmentations; 0 for none.</summary>
    [Option("--translate", "Random translation by up to this many pixels (zero padding, then a crop back); 0 for none")]
    [Range(0, int.MaxValue)]
    public int TranslatePixels { get; init; }

    /// <summary>float32, bfloat16 or float16: <see cref="TrainerOptions.Precision"/>.</summary>
    [Option("--precision", "float32, bfloat16 (CPUs with avx512_bf16 or AMX, GPUs from Ampere on) or float16 (older GPUs; dynamic loss scaling): the dtype of the matrix products, weights stay fp32", PresetChooses = false)]
    [AllowedValues("float32", "bfloat16", "float16")]
    public string Precision { get; init; } = "float32";

    /// <summary>The seed of the initialisation, data order and augmentation.</summary>
    [Option("--seed", "Seed of the initialisation, data order and augmentation", PresetChooses = false)]
    public int Seed { get; init; }

    /// <summary>The Fashion-MNIST folder, or <see langword="null"/> for the shipped data.</summary>
    [Option("--data", "Fashion-MNIST folder with the four IDX files (full 60k/10k set), or with the test split alone (divided 8,000/2,000)", DefaultText = "the shipped full set")]
    [PathText("a folder")]
    public string? DataDirectory { get; init; }

    /// <summary>Train on only this many images (and hold out a quarter as many), for quick checks; <see langword="null"/> for all.</summary>
    [Option("--limit", "Train on only this many images and test on a quarter as many (quick checks)", PresetChooses = false)]
    [Range(1, int.MaxValue)]
    public int? Limit { get; init; }

    /// <summary>Gets whether batches are mixed (soft targets) with Mixup and/or CutMix.</summary>
    [JsonIgnore]
    public bool Mixes => MixupAlpha > 0 || CutmixAlpha > 0;
}
