using System.Diagnostics;
using static Vit.Distributed.Tests.RankProgram.Output;

namespace Vit.Distributed.Tests.RankProgram;

/// <summary>Faults: rank 1 misbehaves while rank 0 waits in an all-reduce.</summary>
internal static class Faults
{
    /// <summary>The ranks hold different settings: every rank reports the same difference and exits with 3.</summary>
    public static int Mismatch(MpiCommunicator mpi)
    {
        try
        {
            mpi.VerifyIdentical("Trainer settings", $"lr=0.003\nbatch={128 * (mpi.Rank + 1)}\nseed=1");
            Emit(mpi, "verify_identical", "passed");
            return 0;
        }
        catch (SettingsMismatchException e)
        {
            Emit(mpi, "error", e.Message);
            return 3;
        }
    }

    /// <summary>Rank 1 is killed (as by the OOM killer) while rank 0 waits for it.</summary>
    public static int DeadRank(MpiCommunicator mpi)
    {
        Warm(mpi);
        if (mpi.Rank == 1)
        {
            Process.GetCurrentProcess().Kill();
        }

        return WaitForOthers(mpi);
    }

    /// <summary>Rank 1's program throws while rank 0 waits for it.</summary>
    public static int RankThrows(MpiCommunicator mpi)
    {
        Warm(mpi);
        if (mpi.Rank == 1)
        {
            throw new InvalidOperationException("simulated failure on rank 1");
        }

        return WaitForOthers(mpi);
    }

    /// <summary>A background thread of rank 1 throws while rank 0 waits for it.</summary>
    public static int UnhandledOnThread(MpiCommunicator mpi)
    {
        Warm(mpi);
        if (mpi.Rank == 1)
        {
            var thread = new Thread(() => throw new InvalidOperationException("simulated failure on a background thread of rank 1"));
            thread.Start();
            thread.Join();
            Thread.Sleep(Timeout.Infinite);
        }

        return WaitForOthers(mpi);
    }

    /// <summary>Rank 1 never calls the all-reduce rank 0 waits in.</summary>
    public static int Hang(MpiCommunicator mpi)
    {
        Warm(mpi);
        if (mpi.Rank == 1)
        {
            Thread.Sleep(TimeSpan.FromSeconds(60));
            return 0;
        }

        return WaitForOthers(mpi);
    }

    /// <summary>One collective that succeeds, so that the fault comes mid-run.</summary>
    private static void Warm(MpiCommunicator mpi)
    {
        Emit(mpi, "warm", mpi.AllReduce(1L));
    }

    private static int WaitForOthers(MpiCommunicator mpi)
    {
        Span<float> values = [1, 2, 3, 4];
        mpi.AllReduce(values);
        Emit(mpi, "unexpected", "the all-reduce returned");
        return 0;
    }
}
