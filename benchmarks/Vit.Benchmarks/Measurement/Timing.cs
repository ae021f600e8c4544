using System.Diagnostics;
using System.Globalization;

namespace Vit.Benchmarks.Measurement;

/// <summary>Untimed warm-up runs, then timed steps; the result line the comparison scripts read.</summary>
internal static class Timing
{
    public static List<double> Measure(Action step, int warmup, int steps)
    {
        for (int i = 0; i < warmup; i++)
        {
            step();
        }

        var times = new List<double>(steps);
        for (int i = 0; i < steps; i++)
        {
            var watch = Stopwatch.StartNew();
            step();
            times.Add(watch.Elapsed.TotalSeconds);
        }

        return times;
    }

    /// <summary>Prints <c>images_per_second</c> from the median step (the line compare-inference.sh parses).</summary>
    public static void Report(int batch, List<double> times, bool libtorchLoaded)
    {
        double step = Statistics.Median(times);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"images_per_second={batch / step:F2} step_ms={step * 1000:F3} min_ms={times.Min() * 1000:F3} libtorch_loaded={libtorchLoaded.ToString().ToLowerInvariant()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
    }
}
