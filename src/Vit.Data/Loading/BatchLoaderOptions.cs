using System.ComponentModel.DataAnnotations;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>Options for a <see cref="BatchLoader"/>; its constructor validates them with <see cref="Vit.Core.OptionsValidator{TOptions}"/>.</summary>
public sealed class BatchLoaderOptions
{
    /// <summary>Gets or sets the number of samples per batch.</summary>
    /// <value>The default is 128.</value>
    [Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = 128;

    /// <summary>Gets or sets a value indicating whether each epoch visits the samples in a new random order.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Shuffle { get; set; } = true;

    /// <summary>
    /// Gets or sets the seed of the epoch orders and of the random transforms. Epoch k's order and augmentations
    /// depend only on (Seed, k), so a run resumed at epoch k sees exactly what it would have seen.
    /// </summary>
    /// <value>The default is <see langword="null"/>: a seed is drawn at construction (see <see cref="BatchLoader.Seed"/>).</value>
    public int? Seed { get; set; }

    /// <summary>Gets or sets a value indicating whether a last, smaller batch is dropped.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DropLast { get; set; }

    /// <summary>
    /// Gets or sets how many batches may be prepared ahead of the one the consumer holds. Memory use is bounded by
    /// (PrefetchCount + 1) batches.
    /// </summary>
    /// <value>The default is 2.</value>
    [Range(1, int.MaxValue)]
    public int PrefetchCount { get; set; } = 2;

    /// <summary>Gets or sets the number of background threads that prepare batches.</summary>
    /// <value>The default is 1 (libtorch already spreads each tensor operation over the cores).</value>
    [Range(1, int.MaxValue)]
    public int WorkerCount { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many OpenMP threads each tensor operation may use on the loader's own threads (not the
    /// training thread's); 0 leaves libtorch's setting. One, as PyTorch's DataLoader workers: the training thread
    /// already keeps every core busy, and competing OpenMP teams slow each other down (docs/data.md, "BatchLoader").
    /// </summary>
    /// <value>The default is 1.</value>
    [Range(0, int.MaxValue)]
    public int WorkerTorchThreads { get; set; } = 1;

    /// <summary>
    /// Gets or sets the device batches are moved to. Images travel as uint8 (a quarter of float32) and are converted
    /// and transformed on this device.
    /// </summary>
    /// <value>The default is <see langword="null"/>: batches stay on the CPU.</value>
    /// <remarks>
    /// With a CUDA device each batch is copied into pinned host memory and sent with a non-blocking copy, so the
    /// loader's thread never waits for the transfer and the device reads the pages directly.
    /// </remarks>
    public Device? Device { get; set; }

    /// <summary>
    /// Gets or sets the dtype of the images handed out: the model's, e.g. <see cref="ScalarType.BFloat16"/> for a model
    /// converted with <c>model.to(ScalarType.BFloat16)</c>. Transforms still run in float32; the conversion is the
    /// last step. Keep float32 for a float32 model, under <c>Vit.Core.Autocast</c> too (autocast casts per op).
    /// </summary>
    /// <value>The default is <see cref="ScalarType.Float32"/>.</value>
    [AllowedValues(ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16, ScalarType.Float64)]
    public ScalarType ImageDtype { get; set; } = ScalarType.Float32;
}
