using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using Vit.Core;
using Vit.Data;
using Vit.Training;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// Every option of the sample, in usage order: one row each. A row of a <see cref="RunSettings"/> field is saved in
/// run.json and refused with <c>--resume</c>; its default is the preset's (<see cref="SamplePresets"/>). Ranges are
/// the options classes' own attributes wherever the value ends up in one.
/// </summary>
internal static class RunOptions
{
    /// <summary>The text that turns an optional setting off (<c>--randaug none</c>).</summary>
    public const string None = "none";

    /// <summary>Gets every option, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<RunOption> All { get; } =
    [
        Setting(nameof(RunSettings.Epochs), "--epochs", "Epochs to train", RangeOf<TrainerOptions>(nameof(TrainerOptions.Epochs))),
        new(Field<RunSettings>(nameof(RunSettings.Preset)), "--preset", $"Model and recipe: {string.Join(", ", SamplePresets.Names)}")
        {
            Check = (_, name) => SamplePresets.Find((string)name) is null ? $"Unknown preset '{name}'; expected one of {string.Join(", ", SamplePresets.Names)}" : null,
            DefaultText = SamplePresets.DefaultName,
        },
        Setting(nameof(RunSettings.BatchSize), "--batch-size", "Images per optimizer update", RangeOf<BatchLoaderOptions>(nameof(BatchLoaderOptions.BatchSize))),
        Setting(nameof(RunSettings.Accumulation), "--accumulation", "Split each update's batch into this many micro-batches (same update, less memory)", RangeOf<TrainerOptions>(nameof(TrainerOptions.AccumulationSteps))),
        Setting(nameof(RunSettings.LearningRate), "--lr", "Peak learning rate (warmup, then cosine decay)", RangeOf<TrainerOptions>(nameof(TrainerOptions.LearningRate))),
        Setting(nameof(RunSettings.HideProbability), "--hide-prob", "Hide-and-Seek: chance that each grid cell is hidden, in [0, 1]", RangeOf<HideAndSeekOptions>(nameof(HideAndSeekOptions.HideProbability))),
        new(Field<RunSettings>(nameof(RunSettings.RandAugment)), "--randaug", $"timm's RandAugment config, e.g. rand-m9-n2-mstd0.5 (on [0, 1] images, black fill), or {None}")
        {
            Check = RandAugmentProblem,
            NoneText = None,
        },
        Setting(nameof(RunSettings.EraseProbability), "--erase", "Random erasing (timm's, per-pixel noise) probability per image, in [0, 1]", RangeOf<RandomErasingOptions>(nameof(RandomErasingOptions.Probability))),
        Setting(nameof(RunSettings.MixupAlpha), "--mixup", "Mixup's Beta alpha, e.g. 0.8 (soft targets; label smoothing moves into them); 0 for none", RangeOf<MixupOptions>(nameof(MixupOptions.MixupAlpha))),
        Setting(nameof(RunSettings.CutmixAlpha), "--cutmix", "CutMix's Beta alpha, e.g. 1.0; with --mixup each batch uses one or the other; 0 for none", RangeOf<MixupOptions>(nameof(MixupOptions.CutmixAlpha))),
        Setting(nameof(RunSettings.WeightDecay), "--weight-decay", "AdamW's decoupled weight decay", RangeOf<TrainerOptions>(nameof(TrainerOptions.WeightDecay))),
        Setting(nameof(RunSettings.WarmupEpochs), "--warmup-epochs", "Epochs of linear learning-rate warmup", RangeOf<TrainerOptions>(nameof(TrainerOptions.WarmupEpochs))),
        Setting(nameof(RunSettings.LabelSmoothing), "--smoothing", "Label smoothing, in [0, 1)", RangeOf<TrainerOptions>(nameof(TrainerOptions.LabelSmoothing))),
        Setting(nameof(RunSettings.GradientClipNorm), "--clip-grad", $"Clip the gradients' global L2 norm to this before each update, or {None}", RangeOf<TrainerOptions>(nameof(TrainerOptions.GradientClipNorm)), None),
        Setting(nameof(RunSettings.DropPathRate), "--drop-path", "Stochastic depth of the last block (rising linearly from 0 over the blocks), in [0, 1)", RangeOf<VisionTransformerOptions>(nameof(VisionTransformerOptions.DropPathRate))),
        Setting(nameof(RunSettings.EmaDecay), "--ema", "Decay of a moving average of the weights, in [0, 1); the average is then what is reported and saved; 0 for none", RangeOf<TrainerOptions>(nameof(TrainerOptions.EmaDecay))),
        Setting(nameof(RunSettings.EvaluateEveryEpochs), "--eval-every", "Evaluate every this many epochs, and after the last; 0: only after the last", RangeOf<TrainerOptions>(nameof(TrainerOptions.EvaluateEveryEpochs))),
        Setting(nameof(RunSettings.ValidationFraction), "--validation-split", "Hold out this fraction of each class of the training images (fixed seed) and evaluate on them; the test images are then not read. For choosing settings; in (0, 1)", new RangeAttribute(0.0, 1.0) { MinimumIsExclusive = true, MaximumIsExclusive = true }),
        Setting(nameof(RunSettings.Width), "--width", "The model's width (embedding dimension)", RangeOf<VisionTransformerOptions>(nameof(VisionTransformerOptions.EmbedDim))),
        Setting(nameof(RunSettings.Depth), "--depth", "The model's number of encoder blocks", RangeOf<VisionTransformerOptions>(nameof(VisionTransformerOptions.Depth))),
        Setting(nameof(RunSettings.Heads), "--heads", "Attention heads per block; must divide the width", RangeOf<VisionTransformerOptions>(nameof(VisionTransformerOptions.NumHeads))),
        Setting(nameof(RunSettings.MlpRatio), "--mlp-ratio", "MLP hidden size as a multiple of the width", RangeOf<VisionTransformerOptions>(nameof(VisionTransformerOptions.MlpRatio))),
        Setting(nameof(RunSettings.PatchSize), "--patch", "Patch side in pixels (the input is padded to a multiple of it)", RangeOf<VisionTransformerOptions>(nameof(VisionTransformerOptions.PatchSize))),
        Setting(nameof(RunSettings.TranslatePixels), "--translate", "Random translation by up to this many pixels (zero padding, then a crop back); 0 for none", new RangeAttribute(0, int.MaxValue)),
        Setting(nameof(RunSettings.Precision), "--precision", "float32, bfloat16 (CPUs with avx512_bf16 or AMX, GPUs from Ampere on) or float16 (older GPUs; dynamic loss scaling): the dtype of the matrix products, weights stay fp32", new AllowedValuesAttribute("float32", "bfloat16", "float16")),
        Setting(nameof(RunSettings.Seed), "--seed", "Seed of the initialisation, data order and augmentation"),
        Launch(nameof(CommandLineRequest.Device), "--device", "auto (CUDA when available), cpu or cuda", new AllowedValuesAttribute("auto", "cpu", "cuda")),
        new(Field<CommandLineRequest>(nameof(CommandLineRequest.Resume)), "--resume", "Continue the run that wrote this checkpoint (its settings and folder are reused)") { Check = PathProblem("a checkpoint file"), Resumable = true },
        new(Field<RunSettings>(nameof(RunSettings.DataDirectory)), "--data", "Fashion-MNIST folder with the four IDX files (full 60k/10k set), or with the test split alone (divided 8,000/2,000)")
        {
            Check = PathProblem("a folder"),
            DefaultText = "the shipped full set",
        },
        new(Field<CommandLineRequest>(nameof(CommandLineRequest.OutputDirectory)), "--out", "Output folder") { Check = PathProblem("a folder"), DefaultText = "./runs/<timestamp>" },
        Setting(nameof(RunSettings.Limit), "--limit", "Train on only this many images and test on a quarter as many (quick checks)", new RangeAttribute(1, int.MaxValue)),
        new(Field<CommandLineRequest>(nameof(CommandLineRequest.Threads)), "--threads", "libtorch CPU threads; 1 is faster on a machine busy with other work")
        {
            Accepts = new RangeAttribute(1, int.MaxValue),
            Resumable = true,
            DefaultText = "libtorch's choice, one per core",
        },
        new(Field<CommandLineRequest>(nameof(CommandLineRequest.TensorBoardDirectory)), "--tensorboard", "Also write TensorBoard scalars (loss, lr, gradient norm, evaluations) to this folder") { Check = PathProblem("a folder"), Resumable = true },
        Launch(nameof(CommandLineRequest.Distributed), "--distributed", "Data-parallel training over MPI: start with mpirun -np N; each process trains on its share of every batch (--batch-size is the global batch) and rank 0 writes the outputs"),
    ];

    /// <summary>The option that sets <paramref name="field"/>.</summary>
    public static RunOption Of(string field) => All.Single(o => o.Field.Name == field);

    /// <summary>
    /// The first rule <paramref name="settings"/> break, each field against its option, then the rules across fields;
    /// <see langword="null"/> when there is none.
    /// </summary>
    /// <param name="settings">The settings (from the command line, or from a run.json).</param>
    /// <param name="label">What the message calls an option: its flag, or its run.json field.</param>
    /// <returns>The message, without a final period.</returns>
    public static string? FirstProblem(RunSettings settings, Func<RunOption, string> label)
    {
        foreach (var option in All.Where(o => o.IsSetting))
        {
            if (option.Problem(label(option), option.Field.GetValue(settings)) is string problem)
            {
                return problem;
            }
        }

        return settings.BatchSize % settings.Accumulation == 0
            ? null
            : $"{label(Of(nameof(RunSettings.BatchSize)))} {settings.BatchSize} is not divisible by {label(Of(nameof(RunSettings.Accumulation)))} {settings.Accumulation}";
    }

    /// <summary>The default as <c>--help</c> says it: the field's value when no option is given ("the preset's" where presets differ).</summary>
    public static string DefaultText(RunOption option)
    {
        if (option.DefaultText is not null)
        {
            return option.DefaultText;
        }

        if (!option.IsSetting)
        {
            object? value = option.Field.GetValue(new CommandLineRequest());
            return value is null or bool ? "" : Requirement.Show(value).Trim('\'');
        }

        object? ours = option.Field.GetValue(SamplePresets.Default.Defaults);
        string text = ours is null ? option.NoneText ?? "" : Requirement.Show(ours).Trim('\'');
        // The required fields of RunSettings are what a preset chooses; the others start the same in every preset.
        return option.Field.IsDefined(typeof(RequiredMemberAttribute)) ? $"the preset's; {text} for {SamplePresets.DefaultName}" : text;
    }

    private static RunOption Setting(string field, string name, string help, ValidationAttribute? accepts = null, string? noneText = null) =>
        new(Field<RunSettings>(field), name, help) { Accepts = accepts, NoneText = noneText };

    private static RunOption Launch(string field, string name, string help, ValidationAttribute? accepts = null) =>
        new(Field<CommandLineRequest>(field), name, help) { Accepts = accepts, Resumable = true };

    private static PropertyInfo Field<T>(string name) =>
        typeof(T).GetProperty(name) ?? throw new InvalidOperationException($"{typeof(T).Name} has no property {name}.");

    /// <summary>The range attribute on <typeparamref name="TOptions"/>'s property: the options' own range, not a copy of it.</summary>
    private static RangeAttribute RangeOf<TOptions>(string property) =>
        Field<TOptions>(property).GetCustomAttribute<RangeAttribute>() ?? throw new InvalidOperationException($"{typeof(TOptions).Name}.{property} has no range.");

    private static string? RandAugmentProblem(string label, object config)
    {
        try
        {
            new RandAugmentOptionsValidator().ThrowIfInvalid(RandAugmentOptions.Parse((string)config));
            return null;
        }
        catch (Exception e) when (e is FormatException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            return $"{label}: {e.Message}";
        }
    }

    /// <summary>A path must name something: empty or blank text, or a NUL character, cannot.</summary>
    private static Func<string, object, string?> PathProblem(string expected) => (label, value) =>
        value is string path && (string.IsNullOrWhiteSpace(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            ? $"{label} must be {expected}; got '{path.Replace("\0", "\\0", StringComparison.Ordinal)}'"
            : null;
}
