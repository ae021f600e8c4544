using System.Diagnostics;

namespace Vit.Training;

/// <summary>Wall time of a Fit run and its ETA from this run's mean time per update.</summary>
internal sealed class RunClock(int startStep, int totalSteps)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public int TotalSteps { get; } = totalSteps;

    public TimeSpan Elapsed => _watch.Elapsed;

    public TimeSpan Remaining(int step) => step <= startStep
        ? TimeSpan.Zero
        : Elapsed / (step - startStep) * Math.Max(0, TotalSteps - step);
}
