using System.Globalization;

namespace Vit.Fuzz;

/// <summary>The lines a child process prints for the test that started it.</summary>
public static class RunnerProtocol
{
    /// <summary>Starts the outcome line: <c>ok\tsummary</c> or <c>error\ttype\tmessage</c> follow.</summary>
    public const string Result = "FUZZ-RESULT";

    /// <summary>Starts the line with the process's peak resident memory in kB (VmHWM).</summary>
    public const string PeakRss = "FUZZ-PEAK-RSS-KB";

    /// <summary>This process's peak resident set (Linux VmHWM), in kB; -1 where /proc is absent.</summary>
    public static long PeakRssKilobytes() => ReadStatus("/proc/self/status", "VmHWM:");

    /// <summary>A field (in kB) of a /proc status file; -1 when it cannot be read.</summary>
    public static long ReadStatus(string statusPath, string field)
    {
        try
        {
            foreach (string line in File.ReadLines(statusPath))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process has ended.
        }

        return -1;
    }
}
