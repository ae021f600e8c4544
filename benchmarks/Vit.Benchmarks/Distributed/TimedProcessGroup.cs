using System.Diagnostics;
using Vit.Distributed;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Distributed;

/// <summary>
/// The trainer's process group with a stopwatch on each collective: the gradient all-reduce is split into the wait
/// for the slowest rank (a barrier first) and the reduction proper, so that a loaded machine's scheduling shows as
/// waiting rather than as communication.
/// </summary>
internal sealed class TimedProcessGroup(MpiCommunicator mpi) : IProcessGroup
{
    /// <summary>Below this many elements an all-reduce is a flag or a count, not the gradient buffer.</summary>
    private const long GradientThreshold = 1024;

    public int Rank => mpi.Rank;

    public int Size => mpi.Size;

    /// <summary>Gets the time spent waiting for the other ranks before the gradient all-reduces.</summary>
    public TimeSpan Wait { get; private set; }

    /// <summary>Gets the time of the gradient all-reduces themselves (every rank already there).</summary>
    public TimeSpan GradientAllReduce { get; private set; }

    /// <summary>Gets the number of gradient all-reduces.</summary>
    public int GradientAllReduces { get; private set; }

    /// <summary>Gets the time of every other collective (stop flags, evaluation sums, checksums).</summary>
    public TimeSpan Other { get; private set; }

    /// <summary>Gets the number of other collectives.</summary>
    public int OtherCalls { get; private set; }

    /// <summary>Forgets what was timed so far (after warm-up).</summary>
    public void Reset()
    {
        Wait = GradientAllReduce = Other = TimeSpan.Zero;
        GradientAllReduces = OtherCalls = 0;
    }

    public void AllReduce(Tensor tensor)
    {
        if (tensor.numel() < GradientThreshold)
        {
            Time(() => mpi.AllReduce(tensor), small: true);
            return;
        }

        long start = Stopwatch.GetTimestamp();
        mpi.Barrier();
        Wait += Stopwatch.GetElapsedTime(start);
        start = Stopwatch.GetTimestamp();
        mpi.AllReduce(tensor);
        GradientAllReduce += Stopwatch.GetElapsedTime(start);
        GradientAllReduces++;
    }

    public void Broadcast(Tensor tensor, int root) => Time(() => mpi.Broadcast(tensor, root), small: true);

    public void VerifyIdentical(string description, string value) => Time(() => mpi.VerifyIdentical(description, value), small: true);

    public void RunOnRoot(string description, Action action) => mpi.RunOnRoot(description, action);

    public void RunOnEveryRank(string description, Action action) => mpi.RunOnEveryRank(description, action);

    private void Time(Action collective, bool small)
    {
        long start = Stopwatch.GetTimestamp();
        collective();
        if (small)
        {
            Other += Stopwatch.GetElapsedTime(start);
            OtherCalls++;
        }
    }
}
