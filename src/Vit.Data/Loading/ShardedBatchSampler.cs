namespace Vit.Data;

/// <summary>
/// One rank's view of a <see cref="BatchLoader"/>'s epochs in a data-parallel job of <see cref="WorldSize"/>
/// processes: the loader's batch is the global batch, and every rank takes its own equal share of each one, so
/// the N ranks together see exactly the batches one process would.
/// </summary>
/// <remarks>
/// <para>The loader's <see cref="BatchLoader.GetEpochOrder(int)"/> depends only on its seed and the epoch, so ranks
/// whose loaders share the seed agree on every global batch without talking to each other.
/// <see cref="Epoch(int, int, CancellationToken)"/> builds this rank's share of each global batch with the loader's
/// transforms and batch step, their streams keyed by each sample's dataset index and by the global batch's index: a
/// share holds exactly the images and targets that those samples have in the batch one process builds (Mixup pairs
/// samples 2k and 2k + 1, so with even local batches no pair crosses two ranks).</para>
/// <para>For training, every global batch must split evenly (an equal share per rank keeps the ranks' gradients
/// equally weighted and their steps in lock-step): the constructor rejects a batch size that the world size does not
/// divide, and a last, smaller batch that it does not divide. For evaluation, pass
/// <c>allowUnevenLastBatch: true</c>: the last batch's shares then differ by at most one sample (lower ranks take
/// the extra ones; a rank may get none), which is exact as long as the ranks sum counts rather than average means.</para>
/// </remarks>
public sealed class ShardedBatchSampler
{
    private readonly BatchLoader _loader;

    /// <summary>Creates this rank's view.</summary>
    /// <param name="loader">The loader; its <see cref="BatchLoader.BatchSize"/> is the global batch size.</param>
    /// <param name="rank">This rank, in [0, <paramref name="worldSize"/>).</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <param name="layout">Which positions of each batch this rank takes.</param>
    /// <param name="allowUnevenLastBatch">Whether a last, smaller batch may split unevenly (evaluation).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> or <paramref name="worldSize"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A batch does not split evenly across the ranks.</exception>
    public ShardedBatchSampler(BatchLoader loader, int rank, int worldSize, ShardLayout layout = ShardLayout.Contiguous, bool allowUnevenLastBatch = false)
        : this(loader, rank, worldSize, layout, allowUnevenLastBatch ? Unevenness.LastBatch : Unevenness.None)
    {
    }

    private ShardedBatchSampler(BatchLoader loader, int rank, int worldSize, ShardLayout layout, Unevenness unevenness)
    {
        ArgumentNullException.ThrowIfNull(loader);
        CheckRank(rank, worldSize);
        if (!Enum.IsDefined(layout))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Expected ShardLayout.Contiguous or ShardLayout.Strided.");
        }

        int global = loader.BatchSize;
        if (unevenness != Unevenness.Any && global % worldSize != 0)
        {
            throw new ArgumentException(
                $"The global batch size {global} is not divisible by the world size {worldSize}: every rank must take an " +
                $"equal share of each batch. Use a multiple of {worldSize}, for example {RoundDown(global, worldSize)} or {RoundDown(global, worldSize) + worldSize}.",
                nameof(loader));
        }

        int last = LastBatchSize(loader);
        if (unevenness == Unevenness.None && last % worldSize != 0)
        {
            throw new ArgumentException(
                $"The last batch of each epoch holds {last} samples ({loader.Dataset.Count} samples in batches of {global}), " +
                $"which the world size {worldSize} does not divide: set BatchLoaderOptions.DropLast, or choose a batch size " +
                $"that leaves a multiple of {worldSize}. Evaluation may allow uneven last batches (allowUnevenLastBatch).",
                nameof(loader));
        }

        if (unevenness != Unevenness.Any && loader.HasBatchTransform && layout == ShardLayout.Contiguous && worldSize > 1
            && ((global / worldSize) % 2 != 0 || (last / worldSize) % 2 != 0))
        {
            int odd = (global / worldSize) % 2 != 0 ? global : last;
            throw new ArgumentException(
                $"The loader's batch step (such as Mixup) pairs samples 2k and 2k + 1, but a batch of {odd} gives each of the " +
                $"{worldSize} ranks {odd / worldSize} samples, an odd share, so a pair would be split between two ranks and " +
                $"mixed differently from one process: use a global batch size that is a multiple of {2 * worldSize}" +
                (odd == global ? "." : " and set BatchLoaderOptions.DropLast, or leave a last batch that is one."),
                nameof(loader));
        }

        _loader = loader;
        Rank = rank;
        WorldSize = worldSize;
        Layout = layout;
    }

    /// <summary>How unevenly batches may split.</summary>
    private enum Unevenness
    {
        None,
        LastBatch,
        Any,
    }

    /// <summary>
    /// Creates this rank's view of an evaluation loader: every batch, whatever its size, is split into contiguous
    /// shares that differ by at most one sample (lower ranks take the extra ones; a rank may get none). Exact when the
    /// ranks sum counts rather than average means, as a data-parallel evaluation does.
    /// </summary>
    /// <param name="loader">The evaluation loader.</param>
    /// <param name="rank">This rank, in [0, <paramref name="worldSize"/>).</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> or <paramref name="worldSize"/> is out of range.</exception>
    public static ShardedBatchSampler ForEvaluation(BatchLoader loader, int rank, int worldSize) =>
        new(loader, rank, worldSize, ShardLayout.Contiguous, Unevenness.Any);

    /// <summary>Gets this rank.</summary>
    public int Rank { get; }

    /// <summary>Gets the number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>Gets which positions of each batch this rank takes.</summary>
    public ShardLayout Layout { get; }

    /// <summary>Gets the global batch size (the loader's).</summary>
    public int GlobalBatchSize => _loader.BatchSize;

    /// <summary>Gets this rank's share of every full batch: GlobalBatchSize / WorldSize (rounded down for an evaluation view).</summary>
    public int LocalBatchSize => _loader.BatchSize / WorldSize;

    /// <summary>Gets the number of global batches per epoch (the loader's).</summary>
    public int BatchesPerEpoch => _loader.BatchesPerEpoch;

    /// <summary>Gets the loader whose batches are the global batches.</summary>
    public BatchLoader Loader => _loader;

    /// <summary>Enumerates this rank's share of every global batch of one epoch (see <see cref="Epoch(int, int, CancellationToken)"/>).</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="cancellationToken">Stops the epoch; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The shares, each valid until the consumer moves to the next.</returns>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default)
        => Epoch(epoch, startBatch: 0, cancellationToken);

    /// <summary>
    /// Enumerates this rank's share of every global batch of one epoch from global batch <paramref name="startBatch"/>
    /// on, built by the loader (its transforms, batch step, device, workers and prefetching): share k holds the
    /// images, labels and targets that this rank's samples have in global batch k as the loader builds it, because
    /// every random draw is keyed by the sample's dataset index and the global batch's index, never by a position.
    /// Shares that are empty (only possible in an uneven last batch) are passed over.
    /// </summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="startBatch">The first global batch, in [0, <see cref="BatchesPerEpoch"/>]; equal to it yields nothing.</param>
    /// <param name="cancellationToken">Stops the epoch; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The shares, each valid until the consumer moves to the next (the loader disposes it then).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> or <paramref name="startBatch"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The loader was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another epoch of the loader is being enumerated (thrown on the first MoveNext).</exception>
    public IEnumerable<Batch> Epoch(int epoch, int startBatch, CancellationToken cancellationToken = default)
        => _loader.Walk(epoch, startBatch, batch => Share(batch, Rank, WorldSize, Layout), cancellationToken);

    /// <summary>Gets this rank's dataset indices of global batch <paramref name="batch"/> of epoch <paramref name="epoch"/>.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="batch">The global batch, in [0, <see cref="BatchesPerEpoch"/>).</param>
    /// <returns>The indices, in the order the global batch holds them.</returns>
    public int[] GetBatch(int epoch, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(batch, BatchesPerEpoch);
        return Share(_loader.BatchOf(_loader.GetEpochOrder(epoch), batch), Rank, WorldSize, Layout);
    }

    /// <summary>
    /// Gets this rank's shares of every batch of epoch <paramref name="epoch"/>, one after another: a loader that reads
    /// this order in batches of <see cref="LocalBatchSize"/> gives exactly this rank's share of each global batch.
    /// </summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <returns>This rank's indices of batch 0, then of batch 1, ...</returns>
    public int[] GetLocalEpochOrder(int epoch)
    {
        int[] order = _loader.GetEpochOrder(epoch);
        var local = new List<int>(BatchesPerEpoch * LocalBatchSize);
        for (int batch = 0; batch < BatchesPerEpoch; batch++)
        {
            local.AddRange(Share(_loader.BatchOf(order, batch), Rank, WorldSize, Layout));
        }

        return [.. local];
    }

    /// <summary>
    /// Gets rank <paramref name="rank"/>'s share of one batch. Shares differ in size by at most one when the batch
    /// does not split evenly (lower ranks take the extra samples).
    /// </summary>
    /// <param name="globalBatch">The batch's dataset indices.</param>
    /// <param name="rank">The rank, in [0, <paramref name="worldSize"/>).</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <param name="layout">Which positions the rank takes.</param>
    /// <returns>The rank's indices, in batch order.</returns>
    public static int[] Share(ReadOnlySpan<int> globalBatch, int rank, int worldSize, ShardLayout layout = ShardLayout.Contiguous)
    {
        CheckRank(rank, worldSize);
        int size = globalBatch.Length;
        int count = (size / worldSize) + (rank < size % worldSize ? 1 : 0);
        var share = new int[count];
        if (layout == ShardLayout.Strided)
        {
            for (int i = 0; i < count; i++)
            {
                share[i] = globalBatch[rank + (i * worldSize)];
            }
        }
        else
        {
            int start = (rank * (size / worldSize)) + Math.Min(rank, size % worldSize);
            globalBatch.Slice(start, count).CopyTo(share);
        }

        return share;
    }

    private static int LastBatchSize(BatchLoader loader)
    {
        int remainder = loader.Dataset.Count % loader.BatchSize;
        return loader.DropLast || remainder == 0 ? loader.BatchSize : remainder;
    }

    private static int RoundDown(int value, int multiple) => Math.Max(multiple, value / multiple * multiple);

    private static void CheckRank(int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if (rank < 0 || rank >= worldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The rank must be in [0, {worldSize}); got {rank}.");
        }
    }
}
