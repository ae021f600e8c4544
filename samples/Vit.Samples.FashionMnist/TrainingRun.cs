using System.Globalization;
using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Distributed;
using Vit.Onnx;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Samples.FashionMnist;

/// <summary>One run of the sample: set-up (every check before anything is written), training, outputs.</summary>
/// <param name="mpi">The MPI job this process is one rank of (<c>--distributed</c>), or <see langword="null"/> for one process.
/// Every rank trains; rank 0 alone prints and writes the run folder.</param>
internal sealed class TrainingRun(MpiCommunicator? mpi = null)
{
    private readonly ConsoleReporter _console = new(enabled: mpi?.IsRoot ?? true);

    /// <summary>Runs the request.</summary>
    /// <returns>The exit code: 0 done, 130 interrupted (a checkpoint was saved).</returns>
    /// <exception cref="UsageException">The request cannot be carried out; nothing was written.</exception>
    /// <exception cref="MpiException">With <c>--distributed</c>, on ranks other than the one that failed: another rank's set-up or writing failed.</exception>
    public int Execute(CommandLineRequest request, bool spinLimited, CancellationToken cancellationToken)
    {
        // Every rank must write to rank 0's folder: the default one is named after rank 0's clock.
        string? defaultFolder = mpi is null || request.Resume is not null || request.OutputDirectory is not null
            ? null
            : mpi.Broadcast(RunFolder.DefaultPath(), 0);
        RunSetup setup = null!;
        OnEveryRank("check the command line and load the data", () => setup = Prepare(request, defaultFolder, mpi?.Size ?? 1));
        using var data = setup.Data;
        var (folder, settings, resume, device, preset, statistics, trainerOptions) = setup;
        var modelOptions = setup.ModelOptions;
        bool reportsEma = trainerOptions.EmaDecay is not null;

        if (request.Threads is int threads)
        {
            torch.set_num_threads(threads);
        }

        torch.manual_seed(settings.Seed);
        using var model = new VisionTransformer(modelOptions);
        model.to(device);
        // Data parallel: the trainer checks that the ranks agree, gives every rank rank 0's weights and all-reduces the
        // gradients once per update; --batch-size is the global batch, each rank trains on its share of it.
        using var trainer = new Trainer(model, trainerOptions, mpi is { Size: > 1 } ? mpi : null);
        if (resume is not null)
        {
            LoadCheckpoint(trainer, resume);
            ResumeChecks.ThrowIfBeyondTheData(trainer, data.Train.Count / settings.BatchSize, resume);
        }

        // Removed again if the run fails from here on (unless it existed before): a failed run leaves nothing behind.
        using var tensorBoard = request.TensorBoardDirectory is string tensorBoardPath ? TensorBoardFolder.Create(tensorBoardPath) : null;
        if (tensorBoard is not null)
        {
            trainer.Callbacks.Add(new TensorBoardCallback(tensorBoard.Path));
        }

        // Every check has passed: from here on the run writes its folder (rank 0 alone).
        OnRoot("create the run folder", () =>
        {
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
        });

        _console.EvaluationName = data.TestName.ToLowerInvariant();
        _console.Line(data.Description);
        _console.Line($"Model {preset.Name} ({Describe(modelOptions)}): {model.parameters().Sum(p => p.numel()):N0} parameters, input {modelOptions.ImageSize}x{modelOptions.ImageSize}, on {device.type.ToString().ToLowerInvariant()}");
        _console.Line(string.Create(CultureInfo.InvariantCulture, $"Training {trainerOptions.Epochs} epoch{(trainerOptions.Epochs == 1 ? "" : "s")}, batch {settings.BatchSize} (x{settings.Accumulation} micro-batches), lr {trainerOptions.LearningRate:G3}, Hide-and-Seek p={settings.HideProbability:G3}{Extras(settings)}; writing to {folder.Path}"));
        if (mpi is not null)
        {
            _console.Line($"Data parallel over {mpi.LibraryVersion.Split(',')[0]}: {mpi.Size} rank{(mpi.Size == 1 ? "" : "s")}, {settings.BatchSize / mpi.Size} images of every batch each");
        }

        if (spinLimited)
        {
            _console.Line($"OpenMP threads spin {OpenMpSpinWait.DefaultSpinCount} iterations before sleeping ({OpenMpSpinWait.SpinCountVariable}; set it to choose)");
        }

        var pipeline = new InputPipeline(settings, modelOptions.ImageSize, data.Train.Height, statistics);
        // Mixup/CutMix make the soft targets and carry the recipe's label smoothing (the trainer's is then 0, as in timm).
        var mixup = settings.Mixes
            ? new Mixup(new MixupOptions { MixupAlpha = settings.MixupAlpha, CutmixAlpha = settings.CutmixAlpha, NumClasses = data.Train.ClassNames.Count, LabelSmoothing = settings.LabelSmoothing })
            : null;
        using var trainLoader = new BatchLoader(
            data.Train, new BatchLoaderOptions { BatchSize = settings.BatchSize, Shuffle = true, DropLast = true, Seed = settings.Seed, Device = device }, pipeline.Training, mixup);
        using var testLoader = new BatchLoader(data.Test, new BatchLoaderOptions { BatchSize = 500, Shuffle = false, Seed = settings.Seed, Device = device }, pipeline.Evaluation);

        int totalSteps = trainerOptions.Epochs * trainLoader.BatchesPerEpoch;
        FitResult result;
        try
        {
            result = _console.Track(trainer.Step, totalSteps, progress => trainer.Fit(trainLoader, testLoader, progress, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || mpi is { Size: > 1 })
        {
            // Data parallel: every rank stops at the same update (the trainer agrees on it) and saves together.
            OnRoot("create the checkpoint folder", () => Directory.CreateDirectory(folder.Checkpoints));
            string checkpoint = folder.CheckpointAt(trainer.Step);
            trainer.SaveCheckpoint(checkpoint);
            _console.Line($"Interrupted after step {trainer.Step}. Saved {checkpoint}");
            _console.Line($"Continue with: dotnet run -c Release --project samples/Vit.Samples.FashionMnist -- --resume \"{checkpoint}\"");
            tensorBoard?.Keep();
            return 130;
        }

        var raw = result.LastEvaluation ?? trainer.Evaluate(testLoader, CancellationToken.None);
        var evaluation = raw;
        if (reportsEma)
        {
            // The average is the model this run reports and saves (no best-epoch picking: the final average).
            evaluation = result.LastEmaEvaluation ?? trainer.EvaluateEma(testLoader, CancellationToken.None);
            trainer.Ema!.CopyTo(model);
            _console.Line(string.Create(CultureInfo.InvariantCulture, $"{data.TestName} top-1: trained weights {raw.Top1Accuracy:F4}, their moving average (decay {trainerOptions.EmaDecay:G4}) {evaluation.Top1Accuracy:F4}; the average is reported and saved"));
        }

        OnRoot("write the model folder", () => WriteOutputs(model, modelOptions, folder, data, preset, statistics, testLoader));
        _console.Line($"Wrote {folder.Model}, config.json, model.onnx, metrics.csv, training-curves.png, confusion-matrix.png in {folder.Path} ({result.Elapsed.TotalMinutes:F1} min of training)");
        if (mpi?.IsRoot ?? true)
        {
            string prefix = data.IsValidation ? "validation" : "test";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}_top1={evaluation.Top1Accuracy:F4} {prefix}_top5={evaluation.Top5Accuracy:F4}"));
        }

        tensorBoard?.Keep();
        return 0;
    }

    /// <summary>The run folder's outputs: the model folder (config.json, model.safetensors, model.onnx) and the charts.</summary>
    private static void WriteOutputs(VisionTransformer model, VisionTransformerOptions modelOptions, RunFolder folder, FashionMnistData data, SamplePreset preset, ChannelStatistics statistics, BatchLoader testLoader)
    {
        var confusion = ConfusionMatrix.Measure(model, testLoader, data.Test.ClassNames);
        // The run folder is a model folder: config.json + model.safetensors (VisionTransformer.FromPretrained) and model.onnx (ImageClassifier.Load).
        model.SavePretrained(folder.Path, new PretrainedMetadata
        {
            Mean = [.. statistics.Mean],
            Std = [.. statistics.Std],
            ClassNames = [.. data.Train.ClassNames],
            CropPct = PaddingCropPct(modelOptions.ImageSize, data.Train.Height),
            Interpolation = ResizeInterpolation.Bilinear,
        });
        model.ExportOnnx(folder.Onnx);
        Charts.TrainingCurves.Write(folder.TrainingCurves, MetricsHistory.Read(folder.Metrics), $"{preset.Name} on {data.Train.Count:N0} Fashion-MNIST images", data.TestName.ToLowerInvariant());
        Charts.ConfusionMatrixChart.Write(folder.ConfusionMatrix, confusion, string.Create(CultureInfo.InvariantCulture, $"{data.TestName} confusion matrix ({confusion.Total:N0} images, top-1 {confusion.Accuracy:F4})"));
    }

    /// <summary>Every check and load before anything is written; the same on every rank.</summary>
    private static RunSetup Prepare(CommandLineRequest request, string? defaultFolder, int worldSize)
    {
        var (folder, settings, resume) = Resolve(request, defaultFolder);
        CheckShares(settings, worldSize);
        if (request.TensorBoardDirectory is string tensorBoard)
        {
            TensorBoardFolder.Check(tensorBoard);
        }

        var device = ResolveDevice(request.Device);
        var preset = SamplePresets.Of(settings);
        var modelOptions = preset.ModelFor(settings);
        CheckModel(modelOptions, settings);
        var data = FashionMnistData.Load(settings.DataDirectory, settings.Limit, settings.ValidationFraction ?? 0);
        try
        {
            if (data.Test.Count == 0)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--validation-split {settings.ValidationFraction} holds out no image of the {data.Train.Count} training images; use a larger fraction (or a larger --limit)."));
            }

            int trainBatches = data.Train.Count / settings.BatchSize;
            if (trainBatches < 1)
            {
                throw new UsageException($"--batch-size {settings.BatchSize} is larger than the {data.Train.Count} training images.");
            }

            var statistics = data.Train.ComputeChannelStatistics();
            var trainerOptions = resume is null ? CreateTrainerOptions(settings, folder, trainBatches) : ReadCheckpointOptions(resume);
            trainerOptions.MetricsCsvPath = folder.Metrics;
            trainerOptions.CheckpointDirectory = folder.Checkpoints;
            return new RunSetup(folder, settings, resume, device, preset, statistics, trainerOptions) { Data = data, ModelOptions = modelOptions };
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>The architecture's own rules, then the sample's size limit (<see cref="ModelBudget"/>): both before anything is built.</summary>
    private static void CheckModel(VisionTransformerOptions modelOptions, RunSettings settings)
    {
        if (new VisionTransformerOptionsValidator().Validate(null, modelOptions).Failures?.FirstOrDefault() is string failure)
        {
            throw new UsageException($"The model options do not fit together: {failure}.");
        }

        ModelBudget.ThrowIfTooLarge(modelOptions, weightAverage: settings.EmaDecay > 0);
    }

    /// <summary>With <c>--distributed</c>: every process must train on an equal share of each batch that splits as one process splits it.</summary>
    private static void CheckShares(RunSettings settings, int worldSize)
    {
        if (worldSize == 1)
        {
            return;
        }

        int share = settings.BatchSize / worldSize;
        string? problem = settings.BatchSize % worldSize != 0
            ? $"--batch-size {settings.BatchSize} is not divisible by the {worldSize} processes of --distributed: each trains on an equal share of every batch"
            : share % settings.Accumulation != 0
                ? $"each of the {worldSize} processes trains on {share} images of every batch of {settings.BatchSize}, which --accumulation {settings.Accumulation} does not divide"
                : settings.Mixes && share % 2 != 0
                    ? $"each of the {worldSize} processes trains on {share} images of every batch of {settings.BatchSize}, an odd number: Mixup/CutMix pair images 2k and 2k + 1"
                    : null;
        if (problem is not null)
        {
            int step = worldSize * settings.Accumulation * (settings.Mixes ? 2 : 1);
            int lower = Math.Max(step, settings.BatchSize / step * step);
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{problem}; use a --batch-size that is a multiple of {step}, for example {lower} or {lower + step}."));
        }
    }

    /// <summary>Runs <paramref name="action"/> here, or with <c>--distributed</c> on every rank, each learning whether any failed.</summary>
    private void OnEveryRank(string description, Action action)
    {
        if (mpi is { Size: > 1 })
        {
            mpi.RunOnEveryRank(description, action);
        }
        else
        {
            action();
        }
    }

    /// <summary>Runs <paramref name="action"/> here, or with <c>--distributed</c> on rank 0 alone, every rank learning whether it failed.</summary>
    private void OnRoot(string description, Action action)
    {
        if (mpi is { Size: > 1 })
        {
            mpi.RunOnRoot(description, action);
        }
        else
        {
            action();
        }
    }

    /// <summary>The optional augmentations in force, for the start-up line.</summary>
    private static string Describe(VisionTransformerOptions o) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(o.HasStem ? $"stem {string.Join('-', o.StemChannels!)} strides {string.Join('-', Enumerable.Range(0, o.StemChannels!.Length).Select(o.StemStride))}, " : string.Empty)}patch {o.PatchSize}, {o.Depth} blocks x {o.EmbedDim} wide, {o.NumHeads} heads, MLP ratio {o.MlpRatio:G3}, {(o.Pooling == Pooling.Mean ? "mean pooling" : "class token")}");

    private static string Extras(RunSettings settings) =>
        (settings.RandAugment is null ? "" : $", RandAugment {settings.RandAugment}")
        + string.Create(CultureInfo.InvariantCulture, $", weight decay {settings.WeightDecay:G3}, warmup {settings.WarmupEpochs:G3} epochs, label smoothing {settings.LabelSmoothing:G3}")
        + (settings.TranslatePixels > 0 ? $", translation {settings.TranslatePixels} px" : "")
        + (settings.DropPathRate > 0 ? string.Create(CultureInfo.InvariantCulture, $", drop path {settings.DropPathRate:G3}") : "")
        + (settings.EmaDecay > 0 ? string.Create(CultureInfo.InvariantCulture, $", weight average decay {settings.EmaDecay:G4}") : "")
        + (settings.EraseProbability > 0 ? string.Create(CultureInfo.InvariantCulture, $", random erasing p={settings.EraseProbability:G3}") : "")
        + (settings.Mixes ? string.Create(CultureInfo.InvariantCulture, $", Mixup alpha {settings.MixupAlpha:G3} / CutMix alpha {settings.CutmixAlpha:G3}") : "")
        + (settings.Precision == "float32" ? "" : $", {settings.Precision} autocast (fp32 weights)");

    /// <summary>
    /// timm's crop_pct that says "zero-pad the data's images into the model's input" (28 px in 32: the shorter side is
    /// resized to floor(32 / crop_pct) = 28, the centre crop then pads); 1 when the sizes agree. Rounded down to 6 digits so
    /// the floor lands on the data's size exactly.
    /// </summary>
    private static double PaddingCropPct(int modelSize, int dataSize) => Math.Floor(modelSize * 1e6 / dataSize) / 1e6;

    private static (RunFolder Folder, RunSettings Settings, string? Resume) Resolve(CommandLineRequest request, string? defaultFolder)
    {
        if (request.Resume is string checkpoint)
        {
            var runFolder = RunFolder.OfCheckpoint(checkpoint);
            ResumeChecks.ThrowIfFinished(runFolder);
            return (runFolder, runFolder.ReadSettings(), Path.GetFullPath(checkpoint));
        }

        var settings = request.Settings ?? throw new ArgumentException("A new run's request holds its settings.", nameof(request));
        var preset = SamplePresets.Of(settings);
        settings = settings with
        {
            DataDirectory = preset.NeedsFullSet
                ? FullSetDirectory(preset.Name, settings.DataDirectory)
                : settings.DataDirectory is null ? null : Path.GetFullPath(settings.DataDirectory),
        };
        var folder = new RunFolder(request.OutputDirectory ?? defaultFolder ?? RunFolder.DefaultPath());
        folder.EnsureUsableForNewRun();
        return (folder, settings, null);
    }

    /// <summary>The folder a full-set preset trains on: <c>--data</c>, the shipped data, or Debian's package's folder; the full set either way.</summary>
    private static string FullSetDirectory(string preset, string? requested)
    {
        string directory = requested ?? ShippedFashionMnist.FindDirectory() ?? ShippedFashionMnist.DebianDirectory;
        if (!Directory.Exists(directory) || !Vit.Data.FashionMnist.HasFullSet(directory))
        {
            throw new UsageException(requested is null
                ? $"--preset {preset} trains on the full set (60,000 training images): the shipped data ({ShippedFashionMnist.RelativeDirectory}) was not found; pass --data with a folder holding the four upstream files (apt-get install dataset-fashion-mnist puts them in {ShippedFashionMnist.DebianDirectory})."
                : $"--preset {preset} trains on the full set (60,000 training images), but --data '{requested}' does not hold the four upstream files (train-/t10k-images-idx3-ubyte.gz and labels).");
        }

        return directory;
    }

    private static Device ResolveDevice(string requested) => requested switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new UsageException("--device cuda: CUDA is not available (on Linux reference TorchSharp-cuda-linux instead of TorchSharp-cpu, see README)."),
        _ => cuda.is_available() ? CUDA : CPU,
    };

    private static TrainerOptions CreateTrainerOptions(RunSettings settings, RunFolder folder, int stepsPerEpoch) => new()
    {
        Epochs = settings.Epochs,
        LearningRate = settings.LearningRate,
        WeightDecay = settings.WeightDecay,
        Beta2 = settings.Beta2,
        WarmupEpochs = WarmupEpochs(settings, stepsPerEpoch),
        MinLearningRate = settings.LearningRate / 100,
        AccumulationSteps = settings.Accumulation,
        LabelSmoothing = settings.Mixes ? 0 : settings.LabelSmoothing,
        EmaDecay = settings.EmaDecay > 0 ? settings.EmaDecay : null,
        EvaluateEveryEpochs = settings.EvaluateEveryEpochs,
        GradientClipNorm = settings.GradientClipNorm,
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

    /// <summary>
    /// The preset's warmup, at most half the run, and none when even that would be every update (a one-update quick
    /// check: the schedule needs more updates than warmup steps).
    /// </summary>
    private static double WarmupEpochs(RunSettings settings, int stepsPerEpoch)
    {
        double warmup = Math.Min(settings.WarmupEpochs, settings.Epochs / 2.0);
        return Math.Round(warmup * stepsPerEpoch, MidpointRounding.AwayFromZero) >= (long)settings.Epochs * stepsPerEpoch ? 0 : warmup;
    }

    private static TrainerOptions ReadCheckpointOptions(string path)
    {
        try
        {
            return Trainer.ReadCheckpointOptions(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
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
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--resume: {e.Message}", e);
        }
    }
}
