using System.Diagnostics;
using System.Globalization;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// Wall clock, CPU seconds (user and system, all threads) and minor page faults of this process at one moment, from
/// <c>/proc/self/stat</c> (clock ticks of 10 ms). CPU seconds tell the work a phase did when other processes share the
/// cores and make its wall time meaningless.
/// </summary>
/// <param name="Wall">Seconds on a monotonic clock.</param>
/// <param name="User">User-mode CPU seconds of all threads so far.</param>
/// <param name="System">Kernel-mode CPU seconds (page faults, madvise, mmap) of all threads so far.</param>
/// <param name="MinorFaults">Minor page faults so far.</param>
internal readonly record struct ProcessTimes(double Wall, double User, double System, long MinorFaults)
{
    private static readonly Stopwatch s_clock = Stopwatch.StartNew();

    /// <summary>Gets user plus system seconds.</summary>
    public double Cpu => User + System;

    /// <summary>Reads the figures now (CPU seconds and faults 0 where there is no procfs).</summary>
    public static ProcessTimes Now()
    {
        double wall = s_clock.Elapsed.TotalSeconds;
        const string path = "/proc/self/stat";
        if (!File.Exists(path))
        {
            return new ProcessTimes(wall, 0, 0, 0);
        }

        // Fields after the command name (which may hold spaces) start at field 3: minflt is 10, utime 14, stime 15.
        string stat = File.ReadAllText(path);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Ticks(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture) / 100.0;
        return new ProcessTimes(wall, Ticks(14), Ticks(15), long.Parse(fields[10 - 3], CultureInfo.InvariantCulture));
    }

    /// <summary>The figures of the span from <paramref name="start"/> to this moment.</summary>
    public ProcessTimes Since(ProcessTimes start) => new(Wall - start.Wall, User - start.User, System - start.System, MinorFaults - start.MinorFaults);
}
