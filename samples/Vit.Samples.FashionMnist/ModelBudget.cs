using System.Globalization;
using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The largest model the sample builds, checked before it allocates anything: at most <see cref="MaxParameters"/>
/// parameters, and its weights, gradients and AdamW moments (16 bytes a parameter, 20 with a weight average) within
/// the memory this process may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: the machine's, or a
/// container's or <c>DOTNET_GCHeapHardLimit</c>'s limit). Activations come on top and are not counted.
/// </summary>
internal static class ModelBudget
{
    /// <summary>The most parameters a model of the sample may have (ViT-g has about a billion; the default preset 0.8 million).</summary>
    public const double MaxParameters = 1e9;

    /// <summary>Throws when the model <paramref name="options"/> describe is larger than the budget.</summary>
    /// <param name="options">The architecture (already validated).</param>
    /// <param name="weightAverage">Whether training keeps a moving average of the weights (4 more bytes a parameter).</param>
    /// <param name="availableBytes">The memory this process may use; <see langword="null"/> asks the runtime.</param>
    /// <exception cref="UsageException">The model would be larger than the budget.</exception>
    public static void ThrowIfTooLarge(VisionTransformerOptions options, bool weightAverage, long? availableBytes = null)
    {
        double parameters = Parameters(options);
        string model = string.Create(CultureInfo.InvariantCulture, $"{(options.HasStem ? $"stem {string.Join('-', options.StemChannels!)}, " : string.Empty)}patch {options.PatchSize}, {options.Depth} blocks x {options.EmbedDim} wide, MLP ratio {options.MlpRatio:G4}");
        if (parameters > MaxParameters)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"The model ({model}) would have about {parameters:G3} parameters; the sample builds at most {MaxParameters:N0} (set --width, --depth, --mlp-ratio and --patch for a smaller one)."));
        }

        double bytes = parameters * (weightAverage ? 20 : 16);
        long available = availableBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"The model ({model}) would have about {parameters:G3} parameters: training it needs {bytes / (1 << 30):F1} GiB for weights, gradients and AdamW moments alone, more than the {available / (double)(1 << 30):F1} GiB this process may use (set --width, --depth, --mlp-ratio and --patch for a smaller one)."));
        }
    }

    /// <summary>The stem's convolution weights, its BatchNorm weights and biases and the last convolution's bias (none without a stem).</summary>
    private static double StemParameters(VisionTransformerOptions options)
    {
        double count = 0, previous = options.InChannels;
        for (int i = 0; options.HasStem && i < options.StemChannels!.Length; i++)
        {
            double channels = options.StemChannels[i], kernel = options.StemKernelSize(i);
            bool last = i == options.StemChannels.Length - 1;
            count += (previous * channels * kernel * kernel) + (last ? channels : 2 * channels);
            previous = channels;
        }

        return count;
    }

    /// <summary>The parameter count of a ViT with these options, in floating point so no size overflows.</summary>
    public static double Parameters(VisionTransformerOptions options)
    {
        double width = options.EmbedDim, hidden = width * options.MlpRatio, patch = options.PatchSize;
        // Mean pooling has no class token (and no position for it).
        double classToken = options.Pooling == Pooling.ClassToken ? 1 : 0;
        double tokens = Math.Pow(options.GridSize, 2) + classToken;
        double projection = options.HasStem && !options.StemProjection ? 0 : (options.EmbeddingInputChannels * patch * patch * width) + width;
        double embedding = projection + (tokens * width) + (classToken * width) + StemParameters(options);
        double block = (4 * width) + (3 * width * width) + (options.QkvBias ? 3 * width : 0) + (width * width) + width
            + (width * hidden) + hidden + (hidden * width) + width + (options.LayerScaleInit is null ? 0 : 2 * width);
        double head = (2 * width) + (width * options.NumClasses) + options.NumClasses;
        return embedding + (options.Depth * block) + head;
    }
}
