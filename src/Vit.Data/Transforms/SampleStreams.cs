using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// The random streams of one batch: one per sample, keyed by what identifies the sample (for the
/// <see cref="BatchLoader"/>: loader seed, epoch and the sample's index in the dataset), and one for the batch as a
/// whole. A sample's augmentation depends only on its own key, never on its position in the batch, so a batch
/// transformed whole or in parts (split across threads, or a global batch sharded across processes) gives the same
/// images.
/// </summary>
/// <remarks>
/// Each transform of a pipeline draws from its own <see cref="Derive"/>d streams. The loader keys the batch stream by
/// (seed, epoch, batch index): a sharded loader must number its batches as the global batches they belong to.
/// </remarks>
public sealed class SampleStreams
{
    private const long SampleTag = 0x53414D50; // "SAMP"
    private const long BatchTag = 0x42415443;  // "BATC"
    private readonly ulong[] _keys;
    private readonly int _start;

    /// <summary>Creates streams from explicit keys.</summary>
    /// <param name="sampleKeys">One key per sample, in batch order.</param>
    /// <param name="batchKey">The key of the batch-level stream (<see cref="ForBatch"/>).</param>
    public SampleStreams(IEnumerable<ulong> sampleKeys, ulong batchKey)
    {
        ArgumentNullException.ThrowIfNull(sampleKeys);
        _keys = [.. sampleKeys];
        Count = _keys.Length;
        BatchKey = batchKey;
    }

    private SampleStreams(ulong[] keys, int start, int count, ulong batchKey)
    {
        _keys = keys;
        _start = start;
        Count = count;
        BatchKey = batchKey;
    }

    /// <summary>Gets the number of samples.</summary>
    public int Count { get; }

    /// <summary>Gets the key of the batch-level stream.</summary>
    public ulong BatchKey { get; }

    /// <summary>
    /// The loader's streams: sample i's key mixes (<paramref name="seed"/>, <paramref name="epoch"/>,
    /// <paramref name="datasetIndices"/>[i]); the batch key mixes (seed, epoch, <paramref name="batchIndex"/>).
    /// </summary>
    /// <param name="seed">The loader seed.</param>
    /// <param name="epoch">The epoch.</param>
    /// <param name="batchIndex">The batch's index in its epoch (the global batch's, when sharded).</param>
    /// <param name="datasetIndices">Each sample's index in the dataset, in batch order.</param>
    /// <returns>The streams.</returns>
    public static SampleStreams ForSamples(long seed, int epoch, int batchIndex, ReadOnlySpan<int> datasetIndices)
    {
        var keys = new ulong[datasetIndices.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = SeedSequence.Mix(seed, epoch, SampleTag, datasetIndices[i]);
        }

        return new SampleStreams(keys, 0, keys.Length, SeedSequence.Mix(seed, epoch, BatchTag, batchIndex));
    }

    /// <summary>
    /// Streams for <paramref name="count"/> samples keyed by their position, from 64 bits drawn from
    /// <paramref name="generator"/> (what a transform called outside a loader uses).
    /// </summary>
    /// <param name="generator">A CPU generator; two 32-bit numbers are drawn from it.</param>
    /// <param name="count">The number of samples.</param>
    /// <returns>The streams.</returns>
    public static SampleStreams FromGenerator(Generator generator, int count)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var bits = randint(0, 1L << 32, [2], ScalarType.Int64, generator: generator);
        long[] halves = bits.data<long>().ToArray();
        return FromSeed((halves[0] << 32) | halves[1], count);
    }

    /// <summary>Streams for <paramref name="count"/> samples keyed by (<paramref name="seed"/>, position).</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="count">The number of samples.</param>
    /// <returns>The streams.</returns>
    public static SampleStreams FromSeed(long seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var keys = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = SeedSequence.Mix(seed, SampleTag, i);
        }

        return new SampleStreams(keys, 0, count, SeedSequence.Mix(seed, BatchTag));
    }

    /// <summary>Gets the key of sample <paramref name="index"/>'s stream.</summary>
    /// <param name="index">The sample's position in this batch.</param>
    /// <returns>The key.</returns>
    public ulong SampleKey(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _keys[_start + index];
    }

    /// <summary>Starts sample <paramref name="index"/>'s stream from its beginning.</summary>
    /// <param name="index">The sample's position in this batch.</param>
    /// <returns>A new stream; calling again returns the same numbers again.</returns>
    public SampleRandom ForSample(int index) => new(SampleKey(index));

    /// <summary>Starts the batch-level stream (for draws shared by the whole batch, such as Mixup's batch mode).</summary>
    /// <returns>A new stream; calling again returns the same numbers again.</returns>
    public SampleRandom ForBatch() => new(BatchKey);

    /// <summary>The streams of samples [<paramref name="start"/>, start + <paramref name="count"/>) (the batch stream is shared).</summary>
    /// <param name="start">First sample.</param>
    /// <param name="count">Number of samples.</param>
    /// <returns>The part; its sample i is this batch's sample start + i.</returns>
    public SampleStreams Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count, nameof(count));
        return new SampleStreams(_keys, _start + start, count, BatchKey);
    }

    /// <summary>
    /// Independent streams for another consumer of the same samples (the next transform of a pipeline): every key,
    /// the batch key too, is mixed with <paramref name="purpose"/>.
    /// </summary>
    /// <param name="purpose">Any number that tells the consumers apart (the loader uses the transform's position).</param>
    /// <returns>The derived streams.</returns>
    public SampleStreams Derive(long purpose)
    {
        var keys = new ulong[Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = SeedSequence.Mix(unchecked((long)_keys[_start + i]), purpose);
        }

        return new SampleStreams(keys, 0, keys.Length, SeedSequence.Mix(unchecked((long)BatchKey), purpose));
    }
}
