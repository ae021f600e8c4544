using System.Globalization;

namespace Vit.Samples.FineTune;

/// <summary>The sample's command line, parsed and range-checked (every error names the flag and its value).</summary>
internal sealed record FineTuneArguments
{
    public const string Usage = """
        usage: Vit.Samples.FineTune --model DIR --data DIR [options]
               Vit.Samples.FineTune --generate DIR [--per-class 360] [--seed 0]
          --model DIR            a Vit model folder (config.json + model.safetensors) to start from
          --data DIR             a folder with train/ and val/, each holding one sub-folder of images per class
          --out DIR              where the model folder, charts and checkpoints go [runs/finetune]
          --epochs N             [10]          --batch N        [32]
          --lr X                 peak learning rate, lower than from scratch [1e-4]
          --layer-decay X        layer-wise lr decay in (0, 1], 1 = off [0.75]
          --ema X                EMA decay with timm's warm-up, 0 = off [0.9998]
          --warmup-epochs X      a short linear warm-up [1]
          --weight-decay X       [0.05]        --smoothing X    label smoothing [0.1]
          --mixup X / --cutmix X Mixup/CutMix alphas, 0 = off [0 / 0]; with either, the smoothing moves into Mixup
          --scale-min X          RandomResizedCrop's smallest area fraction [0.08]
          --crop-pct X           evaluation resize: shorter side to size / crop_pct, in (0, 1] [the model's, else 0.9]
          --grad-checkpointing   recompute block activations in backward (less memory, ~1/3 more time)
          --seed N               [0]
          --resume               continue the run in --out from its newest checkpoint (same command line)
          --generate DIR         write a synthetic RGB folder (5 classes, 48-128 px PNG/JPEG; 80% train, 20% val)
          --per-class N          images per class for --generate [360]
        """;

    public string? Model { get; init; }

    public string? Data { get; init; }

    public string Output { get; init; } = Path.Combine("runs", "finetune");

    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 32;

    public double LearningRate { get; init; } = 1e-4;

    public double LayerDecay { get; init; } = 0.75;

    public double EmaDecay { get; init; } = 0.9998;

    public double WarmupEpochs { get; init; } = 1;

    public double WeightDecay { get; init; } = 0.05;

    public double LabelSmoothing { get; init; } = 0.1;

    public double MixupAlpha { get; init; }

    public double CutmixAlpha { get; init; }

    public double MinScale { get; init; } = 0.08;

    public double? CropPct { get; init; }

    public bool GradientCheckpointing { get; init; }

    public int Seed { get; init; }

    public bool Resume { get; init; }

    public string? GenerateDirectory { get; init; }

    public int ImagesPerClass { get; init; } = 360;

    /// <summary>Parses the command line; <see langword="null"/> for --help.</summary>
    /// <exception cref="UsageException">An unknown flag, a missing or malformed value, or a value out of range.</exception>
    public static FineTuneArguments? Parse(IReadOnlyList<string> args)
    {
        var result = new FineTuneArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{flag} needs a value.");
            result = flag switch
            {
                "-h" or "--help" => null,
                "--model" => result with { Model = Value() },
                "--data" => result with { Data = Value() },
                "--out" => result with { Output = Value() },
                "--epochs" => result with { Epochs = Int(flag, Value(), min: 1) },
                "--batch" => result with { BatchSize = Int(flag, Value(), min: 1) },
                "--lr" => result with { LearningRate = Number(flag, Value(), v => v > 0, "> 0") },
                "--layer-decay" => result with { LayerDecay = Number(flag, Value(), v => v > 0 && v <= 1, "in (0, 1]") },
                "--ema" => result with { EmaDecay = Number(flag, Value(), v => v >= 0 && v < 1, "in [0, 1)") },
                "--warmup-epochs" => result with { WarmupEpochs = Number(flag, Value(), v => v >= 0, ">= 0") },
                "--weight-decay" => result with { WeightDecay = Number(flag, Value(), v => v >= 0, ">= 0") },
                "--smoothing" => result with { LabelSmoothing = Number(flag, Value(), v => v >= 0 && v < 1, "in [0, 1)") },
                "--mixup" => result with { MixupAlpha = Number(flag, Value(), v => v >= 0, ">= 0") },
                "--cutmix" => result with { CutmixAlpha = Number(flag, Value(), v => v >= 0, ">= 0") },
                "--scale-min" => result with { MinScale = Number(flag, Value(), v => v > 0 && v <= 1, "in (0, 1]") },
                "--crop-pct" => result with { CropPct = CheckedCropPct(Number(flag, Value(), _ => true, "")) },
                "--grad-checkpointing" => result with { GradientCheckpointing = true },
                "--seed" => result with { Seed = Int(flag, Value(), min: 0) },
                "--resume" => result with { Resume = true },
                "--generate" => result with { GenerateDirectory = Value() },
                "--per-class" => result with { ImagesPerClass = Int(flag, Value(), min: 5) },
                _ => throw new UsageException($"unknown option '{flag}' (--help lists them)."),
            };
            if (result is null)
            {
                return null;
            }
        }

        if (result.GenerateDirectory is null && (result.Model is null || result.Data is null))
        {
            throw new UsageException("--model and --data are required (or --generate DIR to make a data folder).");
        }

        if (result.GenerateDirectory is null && result.WarmupEpochs >= result.Epochs)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--warmup-epochs ({result.WarmupEpochs}) must be less than --epochs ({result.Epochs})."));
        }

        return result;
    }

    /// <summary>Returns a crop fraction that lies in (0, 1], or throws naming it.</summary>
    /// <exception cref="UsageException">It does not.</exception>
    public static double CheckedCropPct(double value, string source = "--crop-pct") => value > 0 && value <= 1
        ? value
        : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{source} is {value} but must be in (0, 1]: the evaluation resize takes the shorter side to size / crop_pct and centre-crops."));

    private static int Int(string flag, string text, int min) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min
            ? value
            : throw new UsageException($"{flag} is '{text}' but must be a whole number >= {min}.");

    private static double Number(string flag, string text, Func<double, bool> valid, string range) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && valid(value)
            ? value
            : throw new UsageException($"{flag} is '{text}' but must be a number{(range.Length == 0 ? "" : " " + range)}.");
}
