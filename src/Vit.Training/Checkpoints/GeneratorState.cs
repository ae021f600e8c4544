using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// libtorch's CPU generator state (dropout, drop-path) under <c>rng/cpu</c>; in a data-parallel job every rank's,
/// rank r's under <c>rng/cpu/rank{r}</c> (r ≥ 1), since each rank draws its own masks. A restored state waits until
/// just before the next update, so whatever draws random numbers in between does not change the resumed run.
/// </summary>
/// <param name="rank">The rank of this process (0 without data parallelism).</param>
internal sealed class GeneratorState(int rank = 0) : ICheckpointPart, IDisposable
{
    private const string Key = "rng/cpu";
    private const string RankPrefix = "rng/cpu/rank";
    private Tensor? _pending;
    private long? _pendingSeed;
    private IReadOnlyList<Tensor>? _gathered;

    /// <summary>Gets how many ranks' states the last restored checkpoint held (1 for a single-process one).</summary>
    public int RestoredRanks { get; private set; } = 1;

    /// <summary>
    /// Gets this process's state at this point of training (a state restored but not yet used is it); the caller
    /// owns the tensor.
    /// </summary>
    public Tensor Current() => _pending?.clone() ?? torch.random.get_rng_state();

    /// <summary>Sets every rank's state (in rank order) for the next <see cref="Save"/>; <see langword="null"/> clears it.</summary>
    public void SetGathered(IReadOnlyList<Tensor>? states) => _gathered = states;

    public void Save(CheckpointContent content)
    {
        if (_gathered is null)
        {
            content.Tensors.Add(Key, Current());
            return;
        }

        content.Tensors.Add(Key, _gathered[0]);
        for (int r = 1; r < _gathered.Count; r++)
        {
            content.Tensors.Add(RankKey(r), _gathered[r]);
        }
    }

    public void Check(CheckpointContent content, List<string> problems)
    {
        // libtorch aborts the process (not an exception) on a state of another size, and reads past its Mersenne
        // Twister's 624 words on a corrupt position: both are checked here, before anything is restored.
        using var current = torch.random.get_rng_state();
        long size = current.shape[0];
        foreach (var (key, value) in content.Tensors.Where(t => t.Key == Key || t.Key.StartsWith(RankPrefix, StringComparison.Ordinal)))
        {
            if (value.dtype != ScalarType.Byte || value.ndim != 1 || value.shape[0] != size)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{key} (a generator state, uint8 [{size}]) is {value.dtype} [{string.Join(", ", value.shape)}]"));
            }
            else if (!HasValidPosition(value.bytes))
            {
                problems.Add($"{key} (a generator state) holds a Mersenne Twister position outside its 624 words");
            }
        }

        if (!content.Tensors.ContainsKey(Key))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Key} (the generator state, uint8 [{size}]) is missing"));
        }
    }

    public void Restore(CheckpointContent content)
    {
        _pending?.Dispose();
        _pending = null;
        _pendingSeed = null;
        RestoredRanks = 1;
        while (content.Tensors.ContainsKey(RankKey(RestoredRanks)))
        {
            RestoredRanks++;
        }

        if (rank == 0 || content.Tensors.ContainsKey(RankKey(rank)))
        {
            _pending = content.Tensors[rank == 0 ? Key : RankKey(rank)].clone().DetachFromDisposeScope();
        }
        else
        {
            // Written by a smaller job: a seed of its own, fixed by rank 0's state and this rank (so resuming twice agrees).
            _pendingSeed = Reseed(content.Tensors[Key], rank);
        }
    }

    /// <summary>Sets the generator to a restored state, if one is waiting; call just before an update.</summary>
    public void ApplyPending()
    {
        if (_pending is not null)
        {
            torch.random.set_rng_state(_pending);
            _pending.Dispose();
            _pending = null;
        }
        else if (_pendingSeed is long seed)
        {
            torch.manual_seed(seed);
            _pendingSeed = null;
        }
    }

    public void Dispose()
    {
        _pending?.Dispose();
        _pending = null;
    }

    private static string RankKey(int r) => RankPrefix + r.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether the state's Mersenne Twister position is one libtorch can continue from: libtorch's CPU state starts
    /// with the seed (8 bytes), <c>left</c> (int32) and <c>seeded</c> (int32), then <c>next</c> (uint64); it reads word
    /// <c>next</c> and counts <c>left</c> down to the next refill, so it needs 1 &lt;= left and next + left &lt;= 625.
    /// </summary>
    private static bool HasValidPosition(ReadOnlySpan<byte> state)
    {
        const int Words = 624;
        int left = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(state[8..]);
        ulong next = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(state[16..]);
        return left is >= 1 and <= Words && next <= (ulong)(Words + 1 - left);
    }

    /// <summary>FNV-1a over the state's bytes and the rank.</summary>
    private static long Reseed(Tensor state, int rank)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in state.data<byte>())
        {
            hash = (hash ^ b) * 1099511628211;
        }

        hash = (hash ^ (ulong)rank) * 1099511628211;
        return (long)(hash >> 1);
    }
}
