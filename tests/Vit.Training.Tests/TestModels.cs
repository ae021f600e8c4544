using TorchSharp;
using Vit.Core;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

/// <summary>Small models and data for trainer tests.</summary>
internal static class TestModels
{
    /// <summary>The architecture of the trainer_steps fixture (16x16 RGB, patch 4, 2 blocks of width 64, 5 classes).</summary>
    public static VisionTransformerOptions Tiny(double dropout = 0, double dropPath = 0) => new()
    {
        ImageSize = 16,
        PatchSize = 4,
        InChannels = 3,
        NumClasses = 5,
        EmbedDim = 64,
        Depth = 2,
        NumHeads = 4,
        Dropout = dropout,
        DropPathRate = dropPath,
    };

    /// <summary>Builds a model with a fixed seed, so two calls give the same weights.</summary>
    public static VisionTransformer Build(VisionTransformerOptions options, long seed = 1)
    {
        torch.manual_seed(seed);
        return new VisionTransformer(options);
    }

    /// <summary>Max |a - b| over the model's state, by name.</summary>
    public static double MaxAbsDifference(VisionTransformer model, IReadOnlyDictionary<string, Tensor> reference)
    {
        double max = 0;
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in model.state_dict())
        {
            max = Math.Max(max, (tensor - reference[name]).abs().max().item<float>());
        }

        return max;
    }

    /// <summary>True when the two models' states are equal bit for bit.</summary>
    public static bool BitIdentical(VisionTransformer a, VisionTransformer b)
    {
        using var scope = NewDisposeScope();
        var other = b.state_dict();
        foreach (var (name, tensor) in a.state_dict())
        {
            if (!tensor.equal(other[name]).all().item<bool>())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Random images and labels for the tiny architecture.</summary>
    public static (Tensor Images, Tensor Labels) RandomBatch(int count, long seed, int classes = 5)
    {
        using var generator = new Generator((ulong)seed);
        var images = rand([count, 3, 16, 16], generator: generator);
        var labels = randint(0, classes, [count], generator: generator, dtype: ScalarType.Int64);
        return (images, labels);
    }

    /// <summary>A dataset of random 3x16x16 images with random labels.</summary>
    public static InMemoryImageDataset RandomDataset(int count, int seed, int classes = 5)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 3 * 16 * 16];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(_ => random.Next(classes)).ToArray();
        return new InMemoryImageDataset(pixels, labels, 3, 16, 16, Enumerable.Range(0, classes).Select(i => $"class {i}").ToArray());
    }
}
