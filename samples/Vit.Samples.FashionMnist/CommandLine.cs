using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.CommandLine.Parsing;

namespace Vit.Samples.FashionMnist;

/// <summary>The sample's options, parsing and usage text.</summary>
internal static class CommandLine
{
    /// <summary>The <c>--randaug</c> value that turns a preset's RandAugment off.</summary>
    public const string NoRandAugment = "none";

    private static readonly TrainingRecipe Default = SamplePresets.Find(SamplePresets.DefaultName, 1, 28, 10)!.Recipe;
    private static readonly Option<int?> Epochs = Whole("--epochs", $"Epochs to train [default: the preset's; {Default.Epochs} for {SamplePresets.DefaultName}]");
    private static readonly Option<string> Preset = new("--preset")
    {
        Description = $"Model and recipe: {string.Join(", ", SamplePresets.Names)}",
        DefaultValueFactory = _ => SamplePresets.DefaultName,
    };

    private static readonly Option<int?> BatchSize = Whole("--batch-size", $"Images per optimizer update [default: the preset's; {Default.BatchSize}]");
    private static readonly Option<int?> Accumulation = Whole("--accumulation", $"Split each update's batch into this many micro-batches (same update, less memory) [default: the preset's; {Default.Accumulation}]");
    private static readonly Option<double?> LearningRate = Number("--lr", string.Create(CultureInfo.InvariantCulture, $"Peak learning rate (warmup, then cosine decay) [default: the preset's; {Default.LearningRate:G3}]"));
    private static readonly Option<double?> HideProbability = Number("--hide-prob", string.Create(CultureInfo.InvariantCulture, $"Hide-and-Seek: chance that each grid cell is hidden, in [0, 1] [default: the preset's; {Default.HideProbability:G3}]"));
    private static readonly Option<string?> RandAugment = new("--randaug")
    {
        Description = $"timm's RandAugment config, e.g. rand-m9-n2-mstd0.5 (on [0, 1] images, black fill), or {NoRandAugment} [default: the preset's; {Default.RandAugment ?? NoRandAugment}]",
    };

    private static readonly Option<double?> Erase = Number("--erase", string.Create(CultureInfo.InvariantCulture, $"Random erasing (timm's, per-pixel noise) probability per image, in [0, 1] [default: the preset's; {Default.EraseProbability:G3}]"));
    private static readonly Option<double?> Mixup = Number("--mixup", string.Create(CultureInfo.InvariantCulture, $"Mixup's Beta alpha, e.g. 0.8 (soft targets; label smoothing moves into them); 0 for none [default: the preset's; {Default.MixupAlpha:G3}]"));
    private static readonly Option<double?> Cutmix = Number("--cutmix", string.Create(CultureInfo.InvariantCulture, $"CutMix's Beta alpha, e.g. 1.0; with --mixup each batch uses one or the other; 0 for none [default: the preset's; {Default.CutmixAlpha:G3}]"));
    private static readonly Option<double?> WeightDecay = Number("--weight-decay", string.Create(CultureInfo.InvariantCulture, $"AdamW's decoupled weight decay [default: the preset's; {Default.WeightDecay:G3}]"));
    private static readonly Option<double?> Warmup = Number("--warmup-epochs", string.Create(CultureInfo.InvariantCulture, $"Epochs of linear learning-rate warmup [default: the preset's; {Default.WarmupEpochs:G3}]"));
    private static readonly Option<double?> Smoothing = Number("--smoothing", string.Create(CultureInfo.InvariantCulture, $"Label smoothing, in [0, 1) [default: the preset's; {Default.LabelSmoothing:G3}]"));
    private static readonly Option<double?> DropPath = Number("--drop-path", string.Create(CultureInfo.InvariantCulture, $"Stochastic depth of the last block (rising linearly from 0 over the blocks), in [0, 1) [default: the preset's; {Default.DropPathRate:G3}]"));
    private static readonly Option<double?> Ema = Number("--ema", string.Create(CultureInfo.InvariantCulture, $"Decay of a moving average of the weights, in [0, 1); the average is then what is reported and saved; 0 for none [default: the preset's; {Default.EmaDecay ?? 0:G4}]"));
    private static readonly Option<int?> EvaluateEvery = Whole("--eval-every", $"Evaluate every this many epochs, and after the last [default: the preset's; {(Default.EvaluateEveryEpochs is int every ? every.ToString(CultureInfo.InvariantCulture) : "only after the last")}]");
    private static readonly Option<double?> ValidationSplit = Number("--validation-split", "Hold out this fraction of each class of the training images (fixed seed) and evaluate on them; the test images are then not read. For choosing settings; in (0, 1)");
    private static readonly Option<int?> Width = Whole("--width", "The model's width (embedding dimension) [default: the preset's]");
    private static readonly Option<int?> Depth = Whole("--depth", "The model's number of encoder blocks [default: the preset's]");
    private static readonly Option<int?> Heads = Whole("--heads", "Attention heads per block; must divide the width [default: the preset's]");
    private static readonly Option<double?> MlpRatio = Number("--mlp-ratio", "MLP hidden size as a multiple of the width [default: the preset's]");
    private static readonly Option<int?> Patch = Whole("--patch", "Patch side in pixels (the input is padded to a multiple of it) [default: the preset's]");
    private static readonly Option<int?> Translate = Whole("--translate", $"Random translation by up to this many pixels (zero padding, then a crop back); 0 for none [default: the preset's; {Default.TranslatePixels}]");
    private static readonly Option<string> Precision = new("--precision")
    {
        Description = "float32, bfloat16 (CPUs with avx512_bf16 or AMX, GPUs from Ampere on) or float16 (older GPUs; dynamic loss scaling): the dtype of the matrix products, weights stay fp32",
        DefaultValueFactory = _ => "float32",
    };

    private static readonly Option<int?> Seed = Whole("--seed", "Seed of the initialisation, data order and augmentation [default: 0]");
    private static readonly Option<string> Device = new("--device") { Description = "auto (CUDA when available), cpu or cuda", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> Resume = new("--resume") { Description = "Continue the run that wrote this checkpoint (its settings and folder are reused)" };
    private static readonly Option<string?> Data = new("--data") { Description = "Fashion-MNIST folder with the four IDX files (full 60k/10k set) [default: the shipped 10k, split 8,000/2,000]" };
    private static readonly Option<string?> Out = new("--out") { Description = "Output folder [default: ./runs/<timestamp>]" };
    private static readonly Option<int?> Threads = Whole("--threads", "libtorch CPU threads [default: libtorch's choice, one per core]; 1 is faster on a machine busy with other work");
    private static readonly Option<string?> TensorBoard = new("--tensorboard") { Description = "Also write TensorBoard scalars (loss, lr, gradient norm, evaluations) to this folder" };
    private static readonly Option<bool> Distributed = new("--distributed")
    {
        Description = "Data-parallel training over MPI: start with mpirun -np N; each process trains on its share of every batch (--batch-size is the global batch) and rank 0 writes the outputs",
    };
    private static readonly Option<int?> Limit = Whole("--limit", "Train on only this many images and test on a quarter as many (quick checks)");

    private static readonly RootCommand Root = CreateRoot();

    /// <summary>Parses the arguments.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="request">The request, when parsing succeeded and help was not asked for.</param>
    /// <param name="error">The first problem, when there is one.</param>
    /// <returns><see langword="true"/> when training should start; <see langword="false"/> for help or an error.</returns>
    public static bool TryParse(string[] args, out CommandLineRequest? request, out string? error)
    {
        request = null;
        error = null;
        var result = Root.Parse(args);
        if (result.Errors.Count > 0)
        {
            error = result.Errors[0].Message;
            return false;
        }

        if (result.Action is HelpAction)
        {
            result.Invoke();
            return false;
        }

        request = new CommandLineRequest
        {
            Preset = result.GetValue(Preset)!,
            Epochs = result.GetValue(Epochs),
            BatchSize = result.GetValue(BatchSize),
            Accumulation = result.GetValue(Accumulation),
            LearningRate = result.GetValue(LearningRate),
            HideProbability = result.GetValue(HideProbability),
            RandAugment = result.GetValue(RandAugment),
            EraseProbability = result.GetValue(Erase),
            MixupAlpha = result.GetValue(Mixup),
            CutmixAlpha = result.GetValue(Cutmix),
            WeightDecay = result.GetValue(WeightDecay),
            WarmupEpochs = result.GetValue(Warmup),
            LabelSmoothing = result.GetValue(Smoothing),
            DropPathRate = result.GetValue(DropPath),
            EmaDecay = result.GetValue(Ema),
            EvaluateEveryEpochs = result.GetValue(EvaluateEvery),
            ValidationFraction = result.GetValue(ValidationSplit),
            Width = result.GetValue(Width),
            Depth = result.GetValue(Depth),
            Heads = result.GetValue(Heads),
            MlpRatio = result.GetValue(MlpRatio),
            PatchSize = result.GetValue(Patch),
            TranslatePixels = result.GetValue(Translate),
            Seed = result.GetValue(Seed) ?? 0,
            Precision = result.GetValue(Precision)!,
            Device = result.GetValue(Device)!,
            Resume = result.GetValue(Resume),
            DataDirectory = result.GetValue(Data),
            OutputDirectory = result.GetValue(Out),
            Limit = result.GetValue(Limit),
            Threads = result.GetValue(Threads),
            TensorBoardDirectory = result.GetValue(TensorBoard),
            Distributed = result.GetValue(Distributed),
        };
        if (request.Resume is not null)
        {
            // A resumed run keeps the settings it was started with; only where it runs may change.
            var fixedByRun = new Option[]
                {
                    Epochs, Preset, BatchSize, Accumulation, LearningRate, HideProbability, RandAugment, Erase, Mixup, Cutmix, WeightDecay, Warmup, Smoothing, DropPath,
                    Ema, EvaluateEvery, ValidationSplit, Width, Depth, Heads, MlpRatio, Patch, Translate, Precision, Seed, Data, Out, Limit,
                }
                .FirstOrDefault(o => result.GetResult(o) is { Implicit: false });
            if (fixedByRun is not null)
            {
                error = $"{fixedByRun.Name} cannot be combined with --resume: a resumed run keeps the settings it was started with (only --device, --threads, --tensorboard and --distributed may change).";
                request = null;
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes the usage text (the same as <c>--help</c>).</summary>
    /// <param name="writer">Where to write it.</param>
    public static void WriteUsage(TextWriter writer)
    {
        var result = Root.Parse(["--help"]);
        result.Invoke(new InvocationConfiguration { Output = writer });
    }

    private static RootCommand CreateRoot()
    {
        Positive(Epochs);
        Positive(BatchSize);
        Positive(Accumulation);
        Positive(Limit);
        Positive(Threads);
        Positive(EvaluateEvery);
        Positive(Width);
        Positive(Depth);
        Positive(Heads);
        Positive(Patch);
        APath(Out, "a folder");
        APath(Data, "a folder");
        APath(TensorBoard, "a folder");
        APath(Resume, "a checkpoint file");
        InRange(WeightDecay, 0, double.MaxValue, "a number of at least 0");
        InRange(Warmup, 0, double.MaxValue, "a number of at least 0");
        InRange(Smoothing, 0, 1, "in [0, 1)", maxExclusive: true);
        InRange(DropPath, 0, 1, "in [0, 1)", maxExclusive: true);
        InRange(Ema, 0, 1, "in [0, 1)", maxExclusive: true);
        InRange(ValidationSplit, 0, 1, "in (0, 1)", maxExclusive: true, minExclusive: true);
        MlpRatio.Validators.Add(r =>
        {
            if (Value<double?>(r) is double v && !(v > 0 && double.IsFinite(v)))
            {
                r.AddError($"--mlp-ratio must be a positive number; got {v.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        LearningRate.Validators.Add(r =>
        {
            if (Value<double?>(r) is double v && !(v > 0 && double.IsFinite(v)))
            {
                r.AddError($"--lr must be a positive number; got {v.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        HideProbability.Validators.Add(r =>
        {
            if (Value<double?>(r) is double v && !(v >= 0 && v <= 1))
            {
                r.AddError($"--hide-prob must be in [0, 1]; got {v.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        Erase.Validators.Add(r =>
        {
            if (Value<double?>(r) is double v && !(v >= 0 && v <= 1))
            {
                r.AddError($"--erase must be in [0, 1]; got {v.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        foreach (var alpha in new[] { Mixup, Cutmix })
        {
            alpha.Validators.Add(r =>
            {
                if (Value<double?>(r) is double v && !(v >= 0 && double.IsFinite(v)))
                {
                    r.AddError($"{alpha.Name} must be a number of at least 0; got {v.ToString(CultureInfo.InvariantCulture)}.");
                }
            });
        }

        RandAugment.Validators.Add(r =>
        {
            if (Value<string?>(r) is string config && config != NoRandAugment)
            {
                try
                {
                    new Vit.Data.RandAugmentOptionsValidator().ThrowIfInvalid(Vit.Data.RandAugmentOptions.Parse(config));
                }
                catch (Exception e) when (e is FormatException or Microsoft.Extensions.Options.OptionsValidationException)
                {
                    r.AddError($"--randaug: {e.Message}");
                }
            }
        });
        Device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        Translate.Validators.Add(r =>
        {
            if (Value<int?>(r) is int v && v < 0)
            {
                r.AddError($"--translate must be at least 0; got {v}.");
            }
        });
        Precision.Validators.Add(r =>
        {
            if (Value<string>(r) is string name && name is not ("float32" or "bfloat16" or "float16"))
            {
                r.AddError($"--precision must be float32, bfloat16 or float16; got '{name}'.");
            }
        });
        Preset.Validators.Add(r =>
        {
            string? name = Value<string>(r);
            if (name is null)
            {
                return;
            }

            if (!SamplePresets.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                r.AddError($"Unknown preset '{name}'; expected one of {string.Join(", ", SamplePresets.Names)}.");
            }
        });

        var root = new RootCommand("Trains a Vision Transformer with Hide-and-Seek on Fashion-MNIST and writes metrics.csv, model.safetensors (timm keys) and charts.")
        {
            Epochs, Preset, BatchSize, Accumulation, LearningRate, HideProbability, RandAugment, Erase, Mixup, Cutmix, WeightDecay, Warmup, Smoothing, DropPath, Ema,
            EvaluateEvery, ValidationSplit, Width, Depth, Heads, MlpRatio, Patch, Translate, Precision, Seed, Device, Resume, Data, Out, Limit, Threads, TensorBoard, Distributed,
        };
        root.Validators.Add(r =>
        {
            if (Value(() => r.GetValue(BatchSize)) is int batch && Value(() => r.GetValue(Accumulation)) is int k && batch % k != 0)
            {
                r.AddError($"--batch-size {batch} is not divisible by --accumulation {k}.");
            }
        });
        return root;
    }

    /// <summary>
    /// The option's value, or the default when its text does not convert (System.CommandLine reports that error
    /// itself; validators still run and must not throw).
    /// </summary>
    private static T? Value<T>(OptionResult result) => Value(result.GetValueOrDefault<T>);

    private static T? Value<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    private static Option<int?> Whole(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => int.TryParse(r.Tokens.Single().Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : Invalid<int?>(r, $"{name} expects a whole number; got '{r.Tokens.Single().Value}'."),
    };

    private static Option<double?> Number(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => double.TryParse(r.Tokens.Single().Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : Invalid<double?>(r, $"{name} expects a number such as 0.25 or 2e-3; got '{r.Tokens.Single().Value}'."),
    };

    private static T? Invalid<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }

    private static void InRange(Option<double?> option, double min, double max, string expected, bool maxExclusive = false, bool minExclusive = false) => option.Validators.Add(r =>
    {
        if (Value<double?>(r) is double v && !(double.IsFinite(v) && (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max)))
        {
            r.AddError($"{option.Name} must be {expected}; got {v.ToString(CultureInfo.InvariantCulture)}.");
        }
    });

    /// <summary>A path option's value must name something: empty or blank text, or a NUL character, cannot.</summary>
    private static void APath(Option<string?> option, string expected) => option.Validators.Add(r =>
    {
        if (Value<string?>(r) is string path && (string.IsNullOrWhiteSpace(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            r.AddError($"{option.Name} must be {expected}; got '{path.Replace("\0", "\\0", StringComparison.Ordinal)}'.");
        }
    });

    private static void Positive(Option<int?> option) => option.Validators.Add(r =>
    {
        if (Value<int?>(r) is int v && v < 1)
        {
            r.AddError($"{option.Name} must be at least 1; got {v}.");
        }
    });
}
