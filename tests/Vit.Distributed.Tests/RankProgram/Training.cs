using System.Globalization;
using System.Security.Cryptography;
using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Training;
using static TorchSharp.torch;
using static Vit.Distributed.Tests.RankProgram.Output;

namespace Vit.Distributed.Tests.RankProgram;

/// <summary>
/// Data-parallel training of a tiny ViT on random images with per-sample random transforms and Mixup: the same job
/// as one process (a plain trainer) or as N ranks (the trainer with the communicator as its process group).
/// </summary>
/// <remarks>
/// Arguments after the scenario and timeout: the output folder, then optionally a checkpoint to resume from and a
/// step after which rank 1 kills itself. Each rank writes its final weights to weights-rank{R}.bin (float32, the
/// state dict's order) for the test to compare.
/// </remarks>
internal static class Training
{
    public const int TrainSamples = 48;
    public const int ValidationSamples = 21;
    public const int GlobalBatch = 8;
    public const int Epochs = 2;

    /// <summary>Trains <see cref="Epochs"/> epochs (optionally resuming, optionally with rank 1 dying mid-run).</summary>
    public static int Train(MpiCommunicator mpi, string[] args)
    {
        string output = args[0];
        string? resume = args.Length > 1 && args[1] != "-" ? args[1] : null;
        int? dieAfterStep = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;
        torch.set_num_threads(1);
        using var train = Loader(TrainSamples, seed: 7, shuffle: true, augment: true, GlobalBatch);
        using var validation = Loader(ValidationSamples, seed: 8, shuffle: false, augment: false, GlobalBatch);
        using var model = Model(mpi.Rank);
        using var trainer = new Trainer(model, Options(output), mpi.Size == 1 ? null : mpi);
        trainer.Callbacks.Add(new TensorBoardCallback(Path.Combine(output, "tensorboard"), logEverySteps: 1));
        if (dieAfterStep is int step)
        {
            trainer.Callbacks.Add(new DieAfterStep(mpi, step));
        }

        if (resume is null)
        {
            var initial = trainer.Evaluate(validation);
            Emit(mpi, "initial_eval", Describe(initial));
        }
        else
        {
            trainer.LoadCheckpoint(resume);
            Emit(mpi, "resumed_step", trainer.Step);
        }

        var result = trainer.Fit(train, validation);
        Emit(mpi, "steps", trainer.Step);
        Emit(mpi, "epoch_losses", Join(result.EpochLosses.Select(l => l.ToString("R", CultureInfo.InvariantCulture))));
        Emit(mpi, "final_eval", Describe(result.LastEvaluation!));
        byte[] weights = Weights(model);
        File.WriteAllBytes(Path.Combine(output, $"weights-rank{mpi.Rank}.bin"), weights);
        Emit(mpi, "weights_sha256", Convert.ToHexString(SHA256.HashData(weights)));
        return 0;
    }

    /// <summary>Rank 1 asks for another learning rate: every rank must throw the same mismatch error.</summary>
    public static int Mismatch(MpiCommunicator mpi, string[] args)
    {
        using var model = Model(mpi.Rank);
        var options = Options(args[0]);
        options.LearningRate = mpi.Rank == 1 ? 2e-3 : 1e-3;
        return Expect<SettingsMismatchException>(mpi, () => new Trainer(model, options, mpi).Dispose());
    }

    /// <summary>A global batch of 9 on 2 ranks: every rank must throw the same error before any update.</summary>
    public static int Indivisible(MpiCommunicator mpi, string[] args)
    {
        using var model = Model(mpi.Rank);
        using var train = Loader(45, seed: 7, shuffle: true, augment: false, batchSize: 9);
        using var trainer = new Trainer(model, Options(args[0]), mpi);
        return Expect<Exception>(mpi, () => trainer.Fit(train));
    }

    private static int Expect<T>(MpiCommunicator mpi, Action action)
        where T : Exception
    {
        try
        {
            action();
            Emit(mpi, "unexpected", "no error");
            return 0;
        }
        catch (T e)
        {
            Emit(mpi, "error_type", e.GetType().Name);
            Emit(mpi, "error", e.Message.ReplaceLineEndings(" "));
            return 3;
        }
    }

    private static TrainerOptions Options(string output) => new()
    {
        LearningRate = 1e-3,
        WeightDecay = 0.05,
        WarmupSteps = 2,
        GradientClipNorm = 0.5,
        LabelSmoothing = 0,
        EmaDecay = 0.9,
        Epochs = Epochs,
        Seed = 0,
        LogEverySteps = 1,
        MetricsCsvPath = Path.Combine(output, "metrics.csv"),
        CheckpointDirectory = Path.Combine(output, "checkpoints"),
        KeepLastCheckpoints = 10,
    };

    /// <summary>A different initialization on every rank: the trainer must replace it with rank 0's.</summary>
    private static VisionTransformer Model(int rank)
    {
        torch.manual_seed(1 + rank);
        return new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 8,
            PatchSize = 4,
            InChannels = 1,
            NumClasses = 4,
            EmbedDim = 32,
            Depth = 2,
            NumHeads = 4,
        });
    }

    private static BatchLoader Loader(int count, int seed, bool shuffle, bool augment, int batchSize)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 8 * 8];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(_ => random.Next(4)).ToArray();
        var dataset = new InMemoryImageDataset(pixels, labels, 1, 8, 8, ["a", "b", "c", "d"]);
        var options = new BatchLoaderOptions { BatchSize = batchSize, Shuffle = shuffle, Seed = 3, DropLast = shuffle };
        return augment
            ? new BatchLoader(
                dataset,
                options,
                [new RandomCrop(8, 8, padding: 1), new HideAndSeek(new HideAndSeekOptions { GridSizes = [2, 4], HideProbability = 0.3 })],
                new Mixup(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1.0, NumClasses = 4, LabelSmoothing = 0.1 }))
            : new BatchLoader(dataset, options);
    }

    private static byte[] Weights(nn.Module model)
    {
        using var scope = NewDisposeScope();
        var flat = cat(model.state_dict().Select(p => p.Value.detach().reshape(-1).to_type(ScalarType.Float32)).ToList());
        return flat.bytes.ToArray();
    }

    private static string Describe(EvaluationResult e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.Loss:R},{e.Top1Accuracy:R},{e.Top5Accuracy:R},{e.Count}");

    /// <summary>Kills this process (as the OOM killer would) once rank 1 finishes <c>step</c> updates.</summary>
    private sealed class DieAfterStep(MpiCommunicator mpi, int step) : ITrainerCallback
    {
        public void OnStepEnd(Trainer trainer, TrainingStepResult result)
        {
            if (mpi.Rank == 1 && result.Step == step)
            {
                Console.Out.Flush();
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }
        }
    }
}
