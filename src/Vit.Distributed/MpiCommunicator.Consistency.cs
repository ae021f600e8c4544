using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Vit.Distributed.Consistency;

namespace Vit.Distributed;

public sealed partial class MpiCommunicator
{
    /// <summary>
    /// Checks that every rank holds the same <paramref name="value"/> (settings, a model's layout, a dataset's
    /// description); when one differs, every rank throws the same <see cref="SettingsMismatchException"/> naming
    /// the first differing line and the ranks that differ. Ranks started with different arguments would otherwise
    /// train different models, or call different collectives and hang.
    /// </summary>
    /// <remarks>
    /// Costs one all-gather of a 32-byte SHA-256 per rank when the values agree; on a mismatch, two broadcasts more
    /// (rank 0's value and the first differing rank's). Put one setting per line for the most useful message.
    /// </remarks>
    /// <param name="description">What the values are, as a plural noun phrase ("Trainer settings").</param>
    /// <param name="value">This rank's value.</param>
    /// <exception cref="SettingsMismatchException">The ranks' values differ (thrown on every rank).</exception>
    public void VerifyIdentical(string description, string value)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(value);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        byte[] hashes = AllGather<byte>(hash);
        var rootHash = hashes.AsSpan(0, hash.Length);
        var differing = new List<int>();
        for (int rank = 1; rank < Size; rank++)
        {
            if (!hashes.AsSpan(rank * hash.Length, hash.Length).SequenceEqual(rootHash))
            {
                differing.Add(rank);
            }
        }

        if (differing.Count == 0)
        {
            return;
        }

        string rootValue = Broadcast(value, 0);
        string otherValue = Broadcast(value, differing[0]);
        throw Shared(new SettingsMismatchException(
            SettingsDifference.Describe(description, rootValue, differing[0], otherValue, differing))
        {
            DifferingRanks = differing,
        });
    }

    /// <summary>
    /// Runs <paramref name="action"/> on rank 0 only (writing a checkpoint, metrics, a chart) and tells every rank
    /// how it went: when it throws, rank 0 rethrows its exception and every other rank throws an
    /// <see cref="MpiException"/> with the same message, so that no rank goes on to wait for a rank 0 that has
    /// stopped. Every rank must call it at the same point; the others wait until rank 0 is done.
    /// </summary>
    /// <param name="description">What the action does, for the other ranks' message ("write checkpoint 3").</param>
    /// <param name="action">The work; runs on rank 0 only.</param>
    /// <exception cref="MpiException">On ranks other than 0: rank 0's action failed.</exception>
    public void RunOnRoot(string description, Action action)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(action);
        ExceptionDispatchInfo? failure = null;
        if (IsRoot)
        {
            try
            {
                action();
            }
#pragma warning disable CA1031 // every failure must reach the other ranks before it propagates
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }

        string error = Broadcast(failure is null ? string.Empty : $"{failure.SourceException.GetType().Name}: {failure.SourceException.Message}", 0);
        if (error.Length == 0)
        {
            return;
        }

        if (failure is not null)
        {
            Shared(failure.SourceException);
            failure.Throw();
        }

        throw Shared(new MpiException($"Rank 0 failed to {description}: {error}"));
    }

    /// <summary>
    /// Runs <paramref name="action"/> on every rank (reading a checkpoint, checking a loader) and tells every rank how
    /// it went: when it throws on any rank, that rank rethrows its exception and every other rank throws an
    /// <see cref="MpiException"/> naming the lowest failed rank and its message, so that no rank goes on to wait in a
    /// collective for one that stopped. Every rank must call it at the same point.
    /// </summary>
    /// <param name="description">What the action does, for the other ranks' message ("load checkpoint 'a.safetensors'").</param>
    /// <param name="action">The work; runs on every rank.</param>
    /// <exception cref="MpiException">Another rank's action failed.</exception>
    public void RunOnEveryRank(string description, Action action)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(action);
        ExceptionDispatchInfo? failure = null;
        try
        {
            action();
        }
#pragma warning disable CA1031 // every failure must reach the other ranks before it propagates
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        int[] failed = AllGather<int>([failure is null ? 0 : 1]);
        int first = Array.IndexOf(failed, 1);
        if (first < 0)
        {
            return;
        }

        string error = Broadcast(failure is null ? string.Empty : $"{failure.SourceException.GetType().Name}: {failure.SourceException.Message}", first);
        if (failure is not null)
        {
            Shared(failure.SourceException);
            failure.Throw();
        }

        throw Shared(new MpiException($"Rank {first} failed to {description}: {error}"));
    }

    /// <summary>Gets <paramref name="writer"/> on rank 0 and <see cref="TextWriter.Null"/> on the others: one copy of each log line.</summary>
    /// <param name="writer">Where rank 0 writes, for example <see cref="Console.Out"/>.</param>
    /// <returns>The writer this rank should use.</returns>
    public TextWriter OnRoot(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return IsRoot ? writer : TextWriter.Null;
    }
}
