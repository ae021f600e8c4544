using Vit.Core;
using Vit.Samples;
using Vit.Samples.FineTune;

// Exit codes: 0 fine-tuned, 2 bad command line, model or data folder (one `error:` line, nothing trained),
// 130 interrupted by Ctrl+C (a checkpoint was saved: run the same command with --resume).
OpenMpSpinWait.Limit();
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
    var arguments = FineTuneArguments.Parse(args);
    if (arguments is null)
    {
        Console.WriteLine(FineTuneArguments.Usage);
        return 0;
    }

    return arguments.GenerateDirectory is string generate
        ? SyntheticImageFolder.Write(generate, arguments.ImagesPerClass, arguments.Seed, Console.Out)
        : new FineTuneRun(Console.Out).Execute(arguments, stop.Token);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
