using System.Diagnostics;
using System.Globalization;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// Resident memory of this process. On Linux from <c>/proc/self/status</c> (<c>VmRSS</c> now, <c>VmHWM</c> the peak),
/// which counts native (libtorch) memory the .NET GC never sees; elsewhere from <see cref="Process"/>'s working set.
/// </summary>
internal static class ResidentMemory
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>Gets the current resident set, in MiB.</summary>
    public static double CurrentMb() => ReadStatusKb("VmRSS:") is long kb ? kb / 1024.0 : Fallback(p => p.WorkingSet64);

    /// <summary>Gets the peak resident set since start (or since <see cref="ResetPeak"/>), in MiB.</summary>
    public static double PeakMb() => ReadStatusKb("VmHWM:") is long kb ? kb / 1024.0 : Fallback(p => p.PeakWorkingSet64);

    /// <summary>
    /// Resets the peak to the current resident set (Linux ≥ 4.0: writing 5 to <c>/proc/self/clear_refs</c>), so a
    /// phase's peak can be read on its own. Returns false where that is not possible.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    private static long? ReadStatusKb(string key)
    {
        if (!File.Exists(StatusPath))
        {
            return null;
        }

        foreach (string line in File.ReadLines(StatusPath))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                // "VmHWM:     123456 kB"
                string number = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(number, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static double Fallback(Func<Process, long> read)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return read(process) / (1024.0 * 1024.0);
    }
}
