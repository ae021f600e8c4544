using Microsoft.Extensions.Options;
using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Reads an <see cref="IImageDataset"/> in shuffled batches, converts images to float32 in [0, 1], applies batched
/// transforms, optionally moves batches to a device (to CUDA from pinned memory with non-blocking copies) and to the
/// model's dtype, and prepares the next batches on background threads.
/// </summary>
/// <remarks>
/// <para>Epoch k's sample order and its random augmentations depend only on (<see cref="Seed"/>, k): enumerating
/// <see cref="Epoch(int, CancellationToken)"/> twice with the same k gives the same batches, so training can resume at any epoch exactly.
/// A sample's augmentation depends only on (Seed, k, its dataset index), not on its batch or its position there,
/// so the batch size, the worker count or sharding a global batch across processes change nothing about it.</para>
/// <para>Each <see cref="Batch"/> is disposed when the consumer asks for the next one or leaves the loop; keep one
/// with <see cref="Batch.Clone"/>. At most <see cref="BatchLoaderOptions.PrefetchCount"/> batches are prepared ahead,
/// so memory stays flat. Cancelling the token, breaking out of the loop or disposing the loader stops the workers
/// and frees every batch prepared but not handed out; cancellation then throws
/// <see cref="OperationCanceledException"/>.</para>
/// <para>The loader keeps <see cref="BatchLoaderOptions.WorkerCount"/> background threads for its lifetime (reusing
/// them keeps memory flat) and runs one epoch at a time; dispose it to end the threads.</para>
/// </remarks>
public sealed class BatchLoader : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly EpochThreads _threads;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The dataset; the loader reads it but does not own it.</param>
    /// <param name="options">Loader options; <see langword="null"/> for the defaults.</param>
    /// <param name="transforms">
    /// Transforms applied in order to each float32 [B, C, H, W] batch on the target device. Every transform must
    /// handle batches and be safe to call from a background thread. <see cref="IRandomTransform"/>s get one stream
    /// per sample, keyed by (seed, epoch, the sample's dataset index, the transform's position); others are called
    /// as they are.
    /// </param>
    /// <exception cref="OptionsValidationException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The dataset yields no batch.</exception>
    public BatchLoader(IImageDataset dataset, BatchLoaderOptions? options = null, IEnumerable<torchvision.ITransform>? transforms = null)
        : this(dataset, options, transforms, batchTransform: null)
    {
    }

    /// <summary>Creates a loader whose batches end with a batch step such as <see cref="Mixup"/>.</summary>
    /// <param name="dataset">The dataset; the loader reads it but does not own it.</param>
    /// <param name="options">Loader options; <see langword="null"/> for the defaults.</param>
    /// <param name="transforms">Per-image transforms, as in the other constructor.</param>
    /// <param name="batchTransform">
    /// Runs after the transforms on each batch's images and labels and sets <see cref="Batch.Targets"/>; it draws
    /// from the batch's streams (sample streams keyed as for the transforms, and a batch stream keyed by
    /// (seed, epoch, batch index)). <see langword="null"/>: targets are the labels. Must be safe to call from a
    /// background thread.
    /// </param>
    /// <exception cref="OptionsValidationException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The dataset yields no batch.</exception>
    public BatchLoader(IImageDataset dataset, BatchLoaderOptions? options, IEnumerable<torchvision.ITransform>? transforms, IBatchTransform? batchTransform)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new BatchLoaderOptions();
        Validate(dataset, options);
        Dataset = dataset;
        BatchSize = options.BatchSize;
        Shuffle = options.Shuffle;
        DropLast = options.DropLast;
        PrefetchCount = options.PrefetchCount;
        WorkerCount = options.WorkerCount;
        ImageDtype = options.ImageDtype;
        Seed = options.Seed ?? Random.Shared.Next();
        var transformList = transforms?.ToArray() ?? [];
        if (Array.IndexOf(transformList, null) >= 0)
        {
            throw new ArgumentException("The transforms must not contain null.", nameof(transforms));
        }

        Builder = new BatchBuilder(dataset, Seed, options.Device ?? CPU, ImageDtype, transformList, batchTransform);
        _threads = new EpochThreads(WorkerCount, options.WorkerTorchThreads);
        BatchesPerEpoch = DropLast ? dataset.Count / BatchSize : (dataset.Count + BatchSize - 1) / BatchSize;
    }

    /// <summary>Gets the dataset.</summary>
    public IImageDataset Dataset { get; }

    /// <summary>Gets the seed in use (the option's, or the one drawn when it was <see langword="null"/>).</summary>
    public int Seed { get; }

    /// <summary>Gets the number of samples per batch (the last batch may be smaller unless DropLast).</summary>
    public int BatchSize { get; }

    /// <summary>Gets a value indicating whether epochs are shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Gets a value indicating whether a last, smaller batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Gets how many batches are prepared ahead of the consumer.</summary>
    public int PrefetchCount { get; }

    /// <summary>Gets the number of background threads.</summary>
    public int WorkerCount { get; }

    /// <summary>Gets the dtype of the images the loader yields (<see cref="BatchLoaderOptions.ImageDtype"/>).</summary>
    public ScalarType ImageDtype { get; }

    /// <summary>Gets the number of batches each epoch yields.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Gets whether batches end with a batch step (such as Mixup), which may pair samples within a batch.</summary>
    internal bool HasBatchTransform => Builder.BatchTransform is not null;

    /// <summary>Gets the batch step the batches end with (such as <see cref="Mixup"/>), or <see langword="null"/>.</summary>
    public IBatchTransform? BatchTransform => Builder.BatchTransform;

    /// <summary>Gets how a batch is built from its samples (on the worker threads).</summary>
    internal BatchBuilder Builder { get; }

    /// <summary>Gets the order in which epoch <paramref name="epoch"/> visits the samples.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <returns>A permutation of [0, Count) (the identity when not shuffling).</returns>
    public int[] GetEpochOrder(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        int[] order = new int[Dataset.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (Shuffle)
        {
            new SeedSequence(SeedSequence.Mix(Seed, epoch, -1)).Shuffle(order);
        }

        return order;
    }

    /// <summary>Enumerates the batches of one epoch.</summary>
    /// <param name="epoch">The epoch, from 0; it selects the order and the augmentations.</param>
    /// <param name="cancellationToken">Stops the epoch; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The batches, each valid until the consumer moves to the next.</returns>
    /// <exception cref="ObjectDisposedException">The loader was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another epoch of this loader is being enumerated (thrown on the first MoveNext).</exception>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default)
        => Epoch(epoch, startBatch: 0, cancellationToken);

    /// <summary>
    /// Enumerates the batches of one epoch from batch <paramref name="startBatch"/> on, without building the ones
    /// before it: batch k is the same as in a whole-epoch enumeration, so a run resumed mid-epoch sees exactly the
    /// batches it would have seen.
    /// </summary>
    /// <param name="epoch">The epoch, from 0; it selects the order and the augmentations.</param>
    /// <param name="startBatch">The first batch to yield, in [0, <see cref="BatchesPerEpoch"/>]; equal to it yields nothing.</param>
    /// <param name="cancellationToken">Stops the epoch; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The batches, each valid until the consumer moves to the next.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> or <paramref name="startBatch"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The loader was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another epoch of this loader is being enumerated (thrown on the first MoveNext).</exception>
    public IEnumerable<Batch> Epoch(int epoch, int startBatch, CancellationToken cancellationToken = default)
        => Walk(epoch, startBatch, share: null, cancellationToken);

    /// <summary>
    /// Stops a running epoch (its enumeration then throws <see cref="OperationCanceledException"/>) and ends the
    /// background threads. The dataset is not disposed.
    /// </summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _threads.Close();
    }

    /// <summary>
    /// Walks epoch <paramref name="epoch"/> from batch <paramref name="startBatch"/> on (arguments checked now): batch k
    /// is built from its samples in the epoch's order, or from the part of them <paramref name="share"/> takes (a rank's
    /// share of the global batch, still keyed by k; empty parts are passed over).
    /// </summary>
    internal IEnumerable<Batch> Walk(int epoch, int startBatch, Func<ArraySegment<int>, ArraySegment<int>>? share, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(startBatch);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(startBatch, BatchesPerEpoch);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        int[] order = GetEpochOrder(epoch);
        var plan = new List<PlannedBatch>(BatchesPerEpoch - startBatch);
        for (int k = startBatch; k < BatchesPerEpoch; k++)
        {
            var samples = share is null ? BatchOf(order, k) : share(BatchOf(order, k));
            if (samples.Count > 0)
            {
                plan.Add(new PlannedBatch(k, samples));
            }
        }

        return Enumerate(epoch, [.. plan], cancellationToken);
    }

    /// <summary>Gets batch <paramref name="batch"/>'s samples from an epoch's order (the last one may be smaller).</summary>
    internal ArraySegment<int> BatchOf(int[] order, int batch)
    {
        int start = batch * BatchSize;
        return new ArraySegment<int>(order, start, Math.Min(BatchSize, order.Length - start));
    }

    /// <summary>
    /// Builds and hands out the batches of <paramref name="plan"/> in order, prepared ahead on the loader's threads
    /// (one epoch at a time per loader); <see cref="ShardedBatchSampler"/> plans a rank's shares with it.
    /// </summary>
    internal IEnumerable<Batch> Enumerate(int epoch, PlannedBatch[] plan, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        WorkerThreads threads = _threads.Acquire(this);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            using var run = new PrefetchRun(this, threads, epoch, plan, linked.Token);
            for (int k = 0; k < plan.Length; k++)
            {
                Batch batch = run.Take(k);
                try
                {
                    yield return batch;
                }
                finally
                {
                    batch.Dispose();
                    run.Release();
                }
            }
        }
        finally
        {
            _threads.Release();
        }
    }

    private static void Validate(IImageDataset dataset, BatchLoaderOptions options)
    {
        new OptionsValidator<BatchLoaderOptions>().ThrowIfInvalid(options);
        if (dataset.Count < 1 || (options.DropLast && dataset.Count < options.BatchSize))
        {
            throw new ArgumentException(
                $"The dataset has {dataset.Count} samples, which gives no batch of BatchSize {options.BatchSize}" +
                (options.DropLast ? " with DropLast." : "."),
                nameof(dataset));
        }
    }
}
