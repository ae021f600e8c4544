using System.Globalization;
using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Onnx;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Samples.FashionMnist;

/// <summary>One run of the sample: set-up (every check before anything is written), training, outputs.</summary>
internal sealed class TrainingRun
{
    private readonly ConsoleReporter _console = new();

    /// <summary>Runs the request.</summary>
    /// <returns>The exit code: 0 done, 130 interrupted (a checkpoint was saved).</returns>
    /// <exception cref="UsageException">The request cannot be carried out; nothing was written.</exception>
    public int Execute(CommandLineRequest request, bool spinLimited, CancellationToken cancellationToken)
    {
        var (folder, settings, resume) = Resolve(request);
        var device = ResolveDevice(request.Device);
        using var data = FashionMnistData.Load(settings.DataDirectory, settings.Limit);
        var preset = SamplePresets.Find(settings.Preset, data.Train.Channels, data.Train.Height, data.Train.ClassNames.Count)
            ?? throw new UsageException($"Unknown preset '{settings.Preset}'.");
        int trainBatches = data.Train.Count / settings.BatchSize;
        if (trainBatches < 1)
        {
            throw new UsageException($"--batch-size {settings.BatchSize} is larger than the {data.Train.Count} training images.");
        }

        var statistics = data.Train.ComputeChannelStatistics();
        var trainerOptions = resume is null ? CreateTrainerOptions(settings, preset.Recipe, folder) : ReadCheckpointOptions(resume);
        trainerOptions.MetricsCsvPath = folder.Metrics;
        trainerOptions.CheckpointDirectory = folder.Checkpoints;

        if (request.Threads is int threads)
        {
            torch.set_num_threads(threads);
        }

        torch.manual_seed(settings.Seed);
        using var model = new VisionTransformer(preset.Model);
        model.to(device);
        using var trainer = new Trainer(model, trainerOptions);
        if (request.TensorBoardDirectory is string tensorBoard)
        {
            trainer.Callbacks.Add(new TensorBoardCallback(tensorBoard));
        }
        if (resume is not null)
        {
            LoadCheckpoint(trainer, resume);
        }

        // Every check has passed: from here on the run writes its folder.
        try
        {
            Directory.CreateDirectory(folder.Path);
            if (resume is null)
            {
                folder.WriteSettings(settings);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out '{folder.Path}' cannot be written: {e.Message}", e);
        }

        _console.Line(data.Description);
        _console.Line($"Model {preset.Name} ({preset.Description}): {model.parameters().Sum(p => p.numel()):N0} parameters, input {preset.Model.ImageSize}x{preset.Model.ImageSize}, on {device.type.ToString().ToLowerInvariant()}");
        _console.Line(string.Create(CultureInfo.InvariantCulture, $"Training {trainerOptions.Epochs} epoch{(trainerOptions.Epochs == 1 ? "" : "s")}, batch {settings.BatchSize} (x{settings.Accumulation} micro-batches), lr {trainerOptions.LearningRate:G3}, Hide-and-Seek p={settings.HideProbability:G3}{Extras(settings)}; writing to {folder.Path}"));

        if (spinLimited)
        {
            _console.Line($"OpenMP threads spin {OpenMpSpinWait.DefaultSpinCount} iterations before sleeping ({OpenMpSpinWait.SpinCountVariable}; set it to choose)");
        }

        var pipeline = new InputPipeline(preset, data.Train.Height, statistics, settings);
        // Mixup/CutMix make the soft targets and carry the recipe's label smoothing (the trainer's is then 0, as in timm).
        var mixup = settings.Mixes
            ? new Mixup(new MixupOptions { MixupAlpha = settings.MixupAlpha, CutmixAlpha = settings.CutmixAlpha, NumClasses = data.Train.ClassNames.Count, LabelSmoothing = preset.Recipe.LabelSmoothing })
            : null;
        using var trainLoader = new DataLoader(
            data.Train, new DataLoaderOptions { BatchSize = settings.BatchSize, Shuffle = true, DropLast = true, Seed = settings.Seed, Device = device }, pipeline.Training, mixup);
        using var testLoader = new DataLoader(data.Test, new DataLoaderOptions { BatchSize = 500, Shuffle = false, Device = device }, pipeline.Evaluation);

        int totalSteps = trainerOptions.Epochs * trainLoader.BatchesPerEpoch;
        FitResult result;
        try
        {
            result = _console.Track(trainer.Step, totalSteps, progress => trainer.Fit(trainLoader, testLoader, progress, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Directory.CreateDirectory(folder.Checkpoints);
            string checkpoint = folder.CheckpointAt(trainer.Step);
            trainer.SaveCheckpoint(checkpoint);
            _console.Line($"Interrupted after step {trainer.Step}. Saved {checkpoint}");
            _console.Line($"Continue with: dotnet run -c Release --project samples/Vit.Samples.FashionMnist -- --resume \"{checkpoint}\"");
            return 130;
        }

        var evaluation = result.LastEvaluation ?? trainer.Evaluate(testLoader, CancellationToken.None);
        var confusion = ConfusionMatrix.Measure(model, testLoader, data.Test.ClassNames);
        // The run folder is a model folder: config.json + model.safetensors (VisionTransformer.FromPretrained) and model.onnx (ImageClassifier.Load).
        model.SavePretrained(folder.Path, new PretrainedMetadata
        {
            Mean = [.. statistics.Mean],
            Std = [.. statistics.Std],
            ClassNames = [.. data.Train.ClassNames],
            CropPct = PaddingCropPct(preset.Model.ImageSize, data.Train.Height),
            Interpolation = ResizeInterpolation.Bilinear,
        });
        model.ExportOnnx(folder.Onnx);
        Charts.TrainingCurves.Write(folder.TrainingCurves, MetricsHistory.Read(folder.Metrics), $"{preset.Name} on {data.Train.Count:N0} Fashion-MNIST images");
        Charts.ConfusionMatrixChart.Write(folder.ConfusionMatrix, confusion, string.Create(CultureInfo.InvariantCulture, $"Held-out confusion matrix ({confusion.Total:N0} images, top-1 {confusion.Accuracy:F4})"));

        _console.Line($"Wrote {folder.Model}, config.json, model.onnx, metrics.csv, training-curves.png, confusion-matrix.png in {folder.Path} ({result.Elapsed.TotalMinutes:F1} min of training)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test_top1={evaluation.Top1Accuracy:F4} test_top5={evaluation.Top5Accuracy:F4}"));
        return 0;
    }

    /// <summary>The optional augmentations in force, for the start-up line.</summary>
    private static string Extras(RunSettings settings) =>
        (settings.RandAugment is null ? "" : $", RandAugment {settings.RandAugment}")
        + (settings.EraseProbability > 0 ? string.Create(CultureInfo.InvariantCulture, $", random erasing p={settings.EraseProbability:G3}") : "")
        + (settings.Mixes ? string.Create(CultureInfo.InvariantCulture, $", Mixup alpha {settings.MixupAlpha:G3} / CutMix alpha {settings.CutmixAlpha:G3}") : "")
        + (settings.Precision == "float32" ? "" : $", {settings.Precision} autocast (fp32 weights)");

    /// <summary>
    /// timm's crop_pct that says "zero-pad the data's images into the model's input" (28 px in 32: the shorter side is
    /// resized to floor(32 / crop_pct) = 28, the centre crop then pads); 1 when the sizes agree. Rounded down to 6 digits so
    /// the floor lands on the data's size exactly.
    /// </summary>
    private static double PaddingCropPct(int modelSize, int dataSize) => Math.Floor(modelSize * 1e6 / dataSize) / 1e6;

    private static (RunFolder Folder, RunSettings Settings, string? Resume) Resolve(CommandLineRequest request)
    {
        if (request.Resume is string checkpoint)
        {
            var runFolder = RunFolder.OfCheckpoint(checkpoint);
            return (runFolder, runFolder.ReadSettings(), Path.GetFullPath(checkpoint));
        }

        var preset = SamplePresets.Find(request.Preset, 1, 28, 10) ?? throw new UsageException($"Unknown preset '{request.Preset}'.");
        var recipe = preset.Recipe;
        var settings = new RunSettings
        {
            Preset = preset.Name,
            Epochs = request.Epochs ?? recipe.Epochs,
            BatchSize = request.BatchSize ?? recipe.BatchSize,
            Accumulation = request.Accumulation ?? recipe.Accumulation,
            LearningRate = request.LearningRate ?? recipe.LearningRate,
            HideProbability = request.HideProbability ?? recipe.HideProbability,
            RandAugment = request.RandAugment,
            EraseProbability = request.EraseProbability ?? 0,
            MixupAlpha = request.MixupAlpha ?? 0,
            CutmixAlpha = request.CutmixAlpha ?? 0,
            Seed = request.Seed,
            Precision = request.Precision,
            DataDirectory = request.DataDirectory is null ? null : Path.GetFullPath(request.DataDirectory),
            Limit = request.Limit,
        };
        if (settings.BatchSize % settings.Accumulation != 0)
        {
            throw new UsageException($"The batch size {settings.BatchSize} is not divisible by the accumulation {settings.Accumulation}; set --batch-size and --accumulation together.");
        }

        var folder = new RunFolder(request.OutputDirectory ?? RunFolder.DefaultPath());
        folder.EnsureUsableForNewRun();
        return (folder, settings, null);
    }

    private static Device ResolveDevice(string requested) => requested switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new UsageException("--device cuda: CUDA is not available (on Linux reference TorchSharp-cuda-linux instead of TorchSharp-cpu, see README)."),
        _ => cuda.is_available() ? CUDA : CPU,
    };

    private static TrainerOptions CreateTrainerOptions(RunSettings settings, TrainingRecipe recipe, RunFolder folder) => new()
    {
        Epochs = settings.Epochs,
        LearningRate = settings.LearningRate,
        WeightDecay = recipe.WeightDecay,
        WarmupEpochs = Math.Min(recipe.WarmupEpochs, settings.Epochs / 2.0),
        MinLearningRate = settings.LearningRate / 100,
        AccumulationSteps = settings.Accumulation,
        LabelSmoothing = settings.Mixes ? 0 : recipe.LabelSmoothing,
        GradientClipNorm = recipe.GradientClipNorm,
        Seed = settings.Seed,
        Precision = settings.Precision switch
        {
            "bfloat16" => ScalarType.BFloat16,
            "float16" => ScalarType.Float16,
            _ => ScalarType.Float32,
        },
        LogEverySteps = 5,
        KeepLastCheckpoints = 2,
        BestCheckpointMetric = CheckpointMetric.None,
        MetricsCsvPath = folder.Metrics,
        CheckpointDirectory = folder.Checkpoints,
    };

    private static TrainerOptions ReadCheckpointOptions(string path)
    {
        try
        {
            return Trainer.ReadCheckpointOptions(path);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--resume: {e.Message}", e);
        }
    }

    private static void LoadCheckpoint(Trainer trainer, string path)
    {
        try
        {
            trainer.LoadCheckpoint(path);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--resume: {e.Message}", e);
        }
    }
}
