using System.Globalization;
using TorchSharp;
using Vit.Core;
using Vit.Training;

namespace Vit.Fuzz;

/// <summary>
/// A trainer checkpoint of a tiny ViT after two updates (made once, in the process that writes the cases), and the
/// load a case runs: a fresh trainer for the same model reads it with <see cref="Trainer.LoadCheckpoint"/>.
/// </summary>
public static class TinyCheckpoint
{
    private static readonly Lazy<byte[]> Valid = new(Make);

    /// <summary>Gets a copy of the valid checkpoint's bytes.</summary>
    public static byte[] Bytes() => [.. Valid.Value];

    /// <summary>Loads <paramref name="path"/> into a new trainer; returns its counters, or throws what the load throws.</summary>
    public static string Load(string path)
    {
        using var model = Model();
        using var trainer = new Trainer(model, Options());
        trainer.LoadCheckpoint(path);
        // The restored state must also train: a generator state libtorch rejects would abort here.
        using (var images = torch.rand(2, 1, 8, 8))
        using (var labels = torch.tensor(new long[] { 0, 1 }))
        {
            trainer.TrainStep(images, labels);
        }

        return string.Create(CultureInfo.InvariantCulture, $"step {trainer.Step - 1}, epoch {trainer.Epoch}, batch {trainer.BatchInEpoch}");
    }

    private static VisionTransformer Model()
    {
        torch.manual_seed(1);
        return new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, InChannels = 1, NumClasses = 3, EmbedDim = 16, Depth = 1, NumHeads = 2 });
    }

    private static TrainerOptions Options() => new() { LearningRate = 1e-3, WarmupSteps = 1, TotalSteps = 8, EmaDecay = 0.9, Seed = 1 };

    private static byte[] Make()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vit-fuzz-checkpoint-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var model = Model();
            using var trainer = new Trainer(model, Options());
            for (int i = 0; i < 2; i++)
            {
                using var images = torch.rand(4, 1, 8, 8);
                using var labels = torch.tensor(new long[] { 0, 1, 2, 0 });
                trainer.TrainStep(images, labels);
            }

            trainer.SaveCheckpoint(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
