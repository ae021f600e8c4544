using Vit.Core;
using Vit.Distributed;
using Vit.Samples;
using Vit.Samples.FashionMnist;

// Before anything loads libtorch: OpenMP threads that spin for long while waiting turn a busy machine into a 5x
// slower run (see OpenMpSpinWait). A GOMP_SPINCOUNT or OMP_WAIT_POLICY the user set still wins.
bool spinLimited = OpenMpSpinWait.Limit();

// Exit codes: 0 trained, 2 bad command line or data (one-line error + usage, nothing written), 130 interrupted by
// Ctrl+C (a checkpoint to --resume from was saved); with --distributed, 124 when a rank stopped answering (MPI timeout).
if (!CommandLine.TryParse(args, out var request, out var error))
{
    if (error is null)
    {
        return 0; // --help
    }

    // Under mpirun every rank parses the same command line: rank 0 alone prints the error (MPI is not started yet).
    return Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") is null or "0" ? Usage(error) : 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!stop.IsCancellationRequested)
    {
        // The first Ctrl+C finishes the current update and saves a checkpoint; a second one ends the process.
        e.Cancel = true;
        stop.Cancel();
        Console.Error.WriteLine("Stopping after the current step (Ctrl+C again to quit at once)...");
    }
};

if (request!.Distributed)
{
    // One rank of `mpirun -np N ... --distributed` (or a world of one without mpirun): every rank runs the same
    // command line; rank 0 prints and writes. A bad command line fails alike on every rank (exit 2), rank 0 saying why.
    return MpiCommunicator.Run(mpi =>
    {
        try
        {
            return new TrainingRun(mpi).Execute(request, spinLimited, stop.Token);
        }
        catch (UsageException e)
        {
            return mpi.IsRoot ? Usage(e.Message) : 2;
        }
        catch (SettingsMismatchException e)
        {
            // Every rank throws it alike; rank 0 says it once.
            if (mpi.IsRoot)
            {
                Console.Error.WriteLine($"error: {e.Message}");
            }

            return 2;
        }
        catch (MpiException e)
        {
            // Another rank's set-up or writing failed (that rank printed why); every rank stops alike.
            Console.Error.WriteLine($"error (rank {mpi.Rank}): {e.Message}");
            return 2;
        }
    });
}

try
{
    return new TrainingRun().Execute(request, spinLimited, stop.Token);
}
catch (UsageException e)
{
    return Usage(e.Message);
}

static int Usage(string message)
{
    // One line, whatever the message holds (an exception's message may span several).
    Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
    Console.Error.WriteLine();
    CommandLine.WriteUsage(Console.Error);
    return 2;
}
