using Vit.Core;
using Vit.Samples;
using Vit.Samples.FashionMnist;

// Before anything loads libtorch: OpenMP threads that spin for long while waiting turn a busy machine into a 5x
// slower run (see OpenMpSpinWait). A GOMP_SPINCOUNT or OMP_WAIT_POLICY the user set still wins.
bool spinLimited = OpenMpSpinWait.Limit();

// Exit codes: 0 trained, 2 bad command line or data (one-line error + usage, nothing written), 130 interrupted by
// Ctrl+C (a checkpoint to --resume from was saved).
if (!CommandLine.TryParse(args, out var request, out var error))
{
    if (error is null)
    {
        return 0; // --help
    }

    return Usage(error);
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

try
{
    return new TrainingRun().Execute(request!, spinLimited, stop.Token);
}
catch (UsageException e)
{
    return Usage(e.Message);
}

static int Usage(string message)
{
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine();
    CommandLine.WriteUsage(Console.Error);
    return 2;
}
