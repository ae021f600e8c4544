namespace Vit.Distributed.Native;

/// <summary>
/// Splits a buffer into pieces one MPI call can take: MPI counts are 32-bit, and pieces of at most
/// <see cref="MaxBytes"/> bytes also stay clear of 2 GiB limits inside MPI implementations.
/// </summary>
internal static class CallChunks
{
    /// <summary>The largest piece, in bytes, one call moves (1 GiB).</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>Gets the (offset, count) pieces, in elements, of a buffer of <paramref name="count"/> elements.</summary>
    /// <param name="count">Elements in the buffer.</param>
    /// <param name="elementSize">Bytes per element.</param>
    /// <param name="maxBytes">Bytes per piece at most.</param>
    public static IEnumerable<(long Offset, int Count)> Split(long count, int elementSize, long maxBytes = MaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(elementSize, 1);
        long perCall = Math.Min(int.MaxValue, Math.Max(1, maxBytes / elementSize));
        for (long offset = 0; offset < count; offset += perCall)
        {
            yield return (offset, (int)Math.Min(perCall, count - offset));
        }
    }
}
