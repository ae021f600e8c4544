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
/// Data-parallel training of a ViT with a convolutional stem (BatchNorm: float running statistics, an int64 batch
/// count) on explicit per-rank shares, one of them with a NaN on rank 1 only (a skipped update). After every update
/// each rank prints the SHA-256 of its parameters, of its buffers and of the buffers it computes alone from the same
/// weights and its own share (a copy of the model run forward in train mode), then resumes a checkpoint and
/// evaluates sharded and alone.
/// </summary>
internal static class BatchNormTraining
{
    public const int Updates = 4;
    public const int SkippedUpdate = 2;
    public const int CheckpointAfter = 2;
    public const int Share = 4;
    private const int Classes = 4;

    /// <summary>Trains <see cref="Updates"/> updates, resumes the checkpoint written after <see cref="CheckpointAfter"/>, evaluates.</summary>
    public static int Run(MpiCommunicator mpi, string[] args)
    {
        string checkpoint = Path.Combine(args[0], "batchnorm.safetensors");
        torch.set_num_threads(1);
        using var model = Model(seed: 1 + mpi.Rank);
        using var alone = Model(seed: 77);
        using var trainer = new Trainer(model, Options(), mpi);
        for (int t = 0; t < Updates; t++)
        {
            var (images, labels) = ShareOf(t, mpi.Rank);
            using (no_grad())
            {
                // What this rank computes by itself from the same weights and its own share.
                Copy(model, alone);
                alone.train();
                alone.call(images).Dispose();
            }

            trainer.TrainStep(images, labels);
            Emit(mpi, $"parameters_{t}", Sha(model.named_parameters().Select(p => (Tensor)p.parameter)));
            Emit(mpi, $"buffers_{t}", Sha(model.named_buffers().Select(b => b.buffer)));
            Emit(mpi, $"own_buffers_{t}", Sha(alone.named_buffers().Select(b => b.buffer)));
            if (t + 1 == CheckpointAfter)
            {
                trainer.SaveCheckpoint(checkpoint);
            }
        }

        Emit(mpi, "skipped", trainer.SkippedSteps);
        Emit(mpi, "count", model.named_buffers().Single(b => b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).buffer.item<long>());
        using var average = Model(seed: 78);
        trainer.Ema!.CopyTo(average);
        Emit(mpi, "state", Sha(model.state_dict().Values));
        Emit(mpi, "ema", Sha(average.state_dict().Values));

        using var validation = Loader();
        Emit(mpi, "sharded_eval", Describe(trainer.Evaluate(validation)));
        Emit(mpi, "sharded_ema_eval", Describe(trainer.EvaluateEma(validation)));
        using (var plain = new Trainer(average, Options()))
        {
            Emit(mpi, "alone_ema_eval", Describe(plain.Evaluate(validation)));
        }

        Copy(model, alone);
        using (var plain = new Trainer(alone, Options()))
        {
            Emit(mpi, "alone_eval", Describe(plain.Evaluate(validation)));
        }

        using var resumed = Model(seed: 50 + mpi.Rank);
        using var resumedAverage = Model(seed: 79);
        using (var again = new Trainer(resumed, Options(), mpi))
        {
            again.LoadCheckpoint(checkpoint);
            for (int t = CheckpointAfter; t < Updates; t++)
            {
                var (images, labels) = ShareOf(t, mpi.Rank);
                again.TrainStep(images, labels);
            }

            again.Ema!.CopyTo(resumedAverage);
        }

        Emit(mpi, "resumed_state", Sha(resumed.state_dict().Values));
        Emit(mpi, "resumed_ema", Sha(resumedAverage.state_dict().Values));
        return 0;
    }

    private static TrainerOptions Options() => new()
    {
        LearningRate = 1e-2,
        WarmupSteps = 0,
        TotalSteps = Updates,
        GradientClipNorm = 1.0,
        EmaDecay = 0.5,
        NonFiniteHandling = NonFiniteHandling.SkipUpdate,
        Seed = 0,
    };

    /// <summary>A different initialization on every rank: the trainer replaces it with rank 0's.</summary>
    private static VisionTransformer Model(long seed)
    {
        torch.manual_seed(seed);
        return new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 8,
            PatchSize = 1,
            InChannels = 1,
            NumClasses = Classes,
            EmbedDim = 16,
            Depth = 1,
            NumHeads = 2,
            StemChannels = [4, 8],
        });
    }

    /// <summary>Rank <paramref name="rank"/>'s share of update <paramref name="t"/>; rank 1's share of the skipped update holds a NaN.</summary>
    private static (Tensor Images, Tensor Labels) ShareOf(int t, int rank)
    {
        using var generator = new Generator((ulong)((100 * t) + rank + 1));
        var images = randn([Share, 1, 8, 8], generator: generator).mul_(1 + rank).add_(rank);
        var labels = randint(0, Classes, [Share], generator: generator, dtype: ScalarType.Int64);
        if (t == SkippedUpdate && rank == 1)
        {
            images[0, 0, 0, 0] = tensor(float.NaN);
        }

        return (images, labels);
    }

    private static BatchLoader Loader()
    {
        var random = new Random(8);
        var pixels = new byte[21 * 8 * 8];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, 21).Select(_ => random.Next(Classes)).ToArray();
        var dataset = new InMemoryImageDataset(pixels, labels, 1, 8, 8, ["a", "b", "c", "d"]);
        return new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Shuffle = false });
    }

    private static void Copy(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var target = to.state_dict();
        foreach (var (name, tensor) in from.state_dict())
        {
            target[name].copy_(tensor);
        }
    }

    private static string Sha(IEnumerable<Tensor> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        foreach (var tensor in tensors)
        {
            hash.AppendData(tensor.detach().cpu().contiguous().bytes);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static string Describe(EvaluationResult e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.Loss:R},{e.Top1Accuracy:R},{e.Top5Accuracy:R},{e.Count}");
}
