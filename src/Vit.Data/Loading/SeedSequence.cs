namespace Vit.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a small, fully specified generator, so shuffles and splits are the same
/// on every .NET and libtorch version (System.Random and torch.randperm do not promise that).
/// </summary>
internal struct SeedSequence
{
    private ulong _state;

    public SeedSequence(ulong seed) => _state = seed;

    /// <summary>Derives one well-mixed 64-bit seed from several integers (seed, epoch, batch, ...).</summary>
    public static ulong Mix(params ReadOnlySpan<long> parts)
    {
        var sequence = new SeedSequence(0x5EED_5EED_5EED_5EEDUL);
        ulong value = 0;
        foreach (long part in parts)
        {
            sequence._state ^= unchecked((ulong)part);
            value = sequence.Next();
        }

        return value;
    }

    public ulong Next()
    {
        unchecked
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform integer in [0, bound) without modulo bias (rejection sampling).</summary>
    public int NextInt(int bound)
    {
        ulong range = (ulong)bound;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % range);
        ulong value;
        do
        {
            value = Next();
        }
        while (value >= limit);

        return (int)(value % range);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
