using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Onnx;
using Vit.Training;
using Chart = Vit.Samples.FashionMnist.Charts;
using ChartMatrix = Vit.Samples.FashionMnist.ConfusionMatrix;

namespace Vit.Samples.FineTune;

/// <summary>
/// One fine-tuning run: check the model and data folders, reset the classifier to the data's classes, train with
/// timm's fine-tuning practice (layer decay, EMA, a short warm-up, a lower rate), then write the model folder
/// (config.json, model.safetensors, model.onnx), predictions, per-class figures and charts into <c>--out</c>.
/// </summary>
internal sealed class FineTuneRun(TextWriter console)
{
    private const string CheckpointPattern = "checkpoint-*.safetensors";

    /// <summary>Runs and returns the exit code: 0 done, 130 interrupted (a checkpoint was saved).</summary>
    /// <exception cref="UsageException">The command line, model folder or data folder cannot work (nothing was trained).</exception>
    public int Execute(FineTuneArguments args, CancellationToken cancellationToken)
    {
        var data = DataFolder.Open(args.Data!);
        var (architecture, metadata) = ReadModelFolder(args.Model!);
        double cropPct = FineTuneArguments.CheckedCropPct(args.CropPct ?? metadata.CropPct, args.CropPct is null ? $"the crop_pct of --model '{args.Model}'" : "--crop-pct");
        var layout = new OutputFolder(args.Output);
        string? resumeFrom = layout.CheckResume(args.Resume);
        int size = architecture.ImageSize;
        float[] mean = metadata.Mean ?? [0.5f, 0.5f, 0.5f], std = metadata.Std ?? [0.5f, 0.5f, 0.5f];
        // timm's eval transform, Pillow-exact: the very decode and geometry ImageClassifier serves the saved folder with.
        var evaluation = new EvalTransform(new EvalTransformOptions
        {
            ImageSize = architecture.ImageSize, Channels = 3, CropPct = cropPct, Interpolation = metadata.Interpolation, Mean = mean, Std = std,
        });

        using var model = VisionTransformer.FromPretrained(args.Model!);
        model.ResetClassifier(data.ClassNames.Count);
        // Training sees the folder resized to the evaluation's resize size, then random crops of the input size.
        int trainSize = (int)Math.Floor(size / cropPct);
        using var train = ImageFolderDataset.Load(data.Train, new ImageFolderOptions { Channels = 3, Height = trainSize, Width = trainSize });
        using var validation = StreamingImageFolder.Open(data.Validation, evaluation);
        CheckDecodable(validation);
        bool mixes = args.MixupAlpha > 0 || args.CutmixAlpha > 0;
        var mixup = mixes
            ? new Mixup(new MixupOptions { MixupAlpha = args.MixupAlpha, CutmixAlpha = args.CutmixAlpha, NumClasses = data.ClassNames.Count, LabelSmoothing = args.LabelSmoothing })
            : null;
        torchvision.ITransform[] augment = [new RandomResizedCrop(size, size, args.MinScale), new RandomHorizontalFlip(), new Normalize(mean, std)];
        using var trainLoader = new BatchLoader(train, new BatchLoaderOptions { BatchSize = Math.Min(args.BatchSize, train.Count), Shuffle = true, DropLast = true, Seed = args.Seed }, augment, mixup);
        using var validationLoader = new BatchLoader(validation, new BatchLoaderOptions { BatchSize = 64, Shuffle = false, Seed = args.Seed }, evaluation.TensorTransforms);

        var options = new TrainerOptions
        {
            LearningRate = args.LearningRate, WeightDecay = args.WeightDecay, Epochs = args.Epochs, WarmupEpochs = args.WarmupEpochs,
            LayerDecay = args.LayerDecay < 1 ? args.LayerDecay : null, EmaDecay = args.EmaDecay > 0 ? args.EmaDecay : null, EmaWarmup = args.EmaDecay > 0,
            LabelSmoothing = mixes ? 0 : args.LabelSmoothing, // Mixup carries the smoothing (timm)
            GradientCheckpointing = args.GradientCheckpointing, Seed = args.Seed, LogEverySteps = 1,
            MetricsCsvPath = layout.Metrics, CheckpointDirectory = layout.Checkpoints,
        };
        using var trainer = new Trainer(model, options);
        if (resumeFrom is not null)
        {
            trainer.LoadCheckpoint(resumeFrom);
            console.WriteLine($"Resuming {resumeFrom} at update {trainer.Step}");
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Fine-tuning {args.Model} ({architecture.Depth} blocks x {architecture.EmbedDim}, {size} px) on {train.Count} training / {validation.Count} validation images, {data.ClassNames.Count} classes; lr {args.LearningRate:G3}, layer decay {args.LayerDecay:G3}, EMA {args.EmaDecay:G4}, warm-up {args.WarmupEpochs:G3} epochs, {args.Epochs} epochs of {trainLoader.BatchesPerEpoch} updates"));
        var clock = Stopwatch.StartNew();
        try
        {
            trainer.Fit(trainLoader, validationLoader, new Progress<TrainingProgress>(p => Report(p)), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Directory.CreateDirectory(layout.Checkpoints);
            string checkpoint = layout.CheckpointAt(trainer.Step);
            trainer.SaveCheckpoint(checkpoint);
            console.WriteLine($"Interrupted after update {trainer.Step}. Saved {checkpoint}; continue with the same command and --resume.");
            return 130;
        }

        var trained = trainer.Evaluate(validationLoader, CancellationToken.None);
        var final = trained;
        if (trainer.Ema is not null)
        {
            final = trainer.EvaluateEma(validationLoader, CancellationToken.None);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation top-1: trained weights {trained.Top1Accuracy:F4}, their moving average {final.Top1Accuracy:F4}; the average is saved"));
            trainer.Ema.CopyTo(model);
        }

        var predictions = trainer.Predict(validationLoader, CancellationToken.None);
        WriteOutputs(model, layout, data, validation.Files, predictions, final, evaluation.ToPretrainedMetadata(data.ClassNames));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation top-1 {final.Top1Accuracy:F4}, macro F1 {final.ConfusionMatrix!.MacroF1:F4}, {clock.Elapsed.TotalMinutes:F1} min; wrote {layout.Model} (config.json, model.safetensors, model.onnx), predictions.csv, per-class.csv, training-curves.png, confusion-matrix.png"));
        return 0;
    }

    private static (VisionTransformerOptions Architecture, PretrainedMetadata Metadata) ReadModelFolder(string directory)
    {
        if (!File.Exists(Path.Combine(directory, VisionTransformer.PretrainedConfigFileName)))
        {
            throw new UsageException($"--model '{directory}' is not a model folder: it has no {VisionTransformer.PretrainedConfigFileName}.");
        }

        try
        {
            var architecture = VisionTransformer.ReadPretrainedOptions(directory);
            if (architecture.InChannels != 3)
            {
                throw new UsageException($"--model '{directory}' takes {architecture.InChannels}-channel images, but the data folder's images are decoded as RGB (3 channels): start from a model with 3 input channels.");
            }

            return (architecture, VisionTransformer.ReadPretrainedMetadata(directory));
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            throw new UsageException($"--model '{directory}' cannot be read: {e.Message}", e);
        }
    }

    private void Report(TrainingProgress progress)
    {
        if (progress.Evaluation is { } evaluation)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {progress.Epoch + 1}: validation loss {evaluation.Loss:F4} top-1 {evaluation.Top1Accuracy:F4}{(progress.EmaEvaluation is { } ema ? $" (EMA {ema.Top1Accuracy:F4})" : "")}"));
        }
    }

    /// <summary>Decodes every validation image once, so an undecodable one stops the run before training (named), not at the first evaluation.</summary>
    /// <exception cref="UsageException">An image cannot be decoded.</exception>
    private static void CheckDecodable(StreamingImageFolder validation)
    {
        const int Chunk = 64;
        int[] indices = [.. Enumerable.Range(0, validation.Count)];
        for (int start = 0; start < indices.Length; start += Chunk)
        {
            try
            {
                var (images, labels) = validation.GetBatch(indices.AsSpan(start, Math.Min(Chunk, indices.Length - start)));
                images.Dispose();
                labels.Dispose();
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message, e);
            }
        }
    }

    private void WriteOutputs(VisionTransformer model, OutputFolder layout, DataFolder data, IReadOnlyList<string> validationFiles, Predictions predictions, EvaluationResult evaluation, PretrainedMetadata metadata)
    {
        model.SavePretrained(layout.Model, metadata);
        model.ExportOnnx(Path.Combine(layout.Model, "model.onnx"));
        using (var writer = new StreamWriter(layout.Predictions))
        {
            writer.WriteLine("file,label,predicted," + string.Join(",", data.ClassNames.Select(c => "p_" + c)));
            for (int i = 0; i < predictions.Count; i++)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetRelativePath(data.Validation, validationFiles[i])},{predictions.Label(i)},{predictions.PredictedClass(i)},{string.Join(",", predictions.Probabilities(i).Select(p => p.ToString("R", CultureInfo.InvariantCulture)))}"));
            }
        }

        using (var writer = new StreamWriter(layout.PerClass))
        {
            writer.WriteLine("class,precision,recall,f1,support");
            console.WriteLine("class        precision  recall  F1      images");
            foreach (var c in evaluation.PerClass)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.ClassNames[c.ClassIndex]},{c.Precision:F4},{c.Recall:F4},{c.F1:F4},{c.Support}"));
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.ClassNames[c.ClassIndex],-12} {c.Precision,9:F4} {c.Recall,7:F4} {c.F1,7:F4} {c.Support,6}"));
            }
        }

        Chart.TrainingCurves.Write(layout.TrainingCurves, Vit.Samples.FashionMnist.MetricsHistory.Read(layout.Metrics), "Fine-tuning", "validation");
        Chart.ConfusionMatrixChart.Write(layout.ConfusionMatrix, new ChartMatrix(evaluation.ConfusionMatrix!.ToArray(), data.ClassNames), "Validation confusion matrix");
    }
}
