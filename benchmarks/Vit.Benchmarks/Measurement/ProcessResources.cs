using System.Globalization;

namespace Vit.Benchmarks.Measurement;

/// <summary>Open file handles and threads of this process, from <c>/proc/self</c> (Linux; -1 elsewhere).</summary>
internal static class ProcessResources
{
    /// <summary>Gets the number of open file descriptors (<c>/proc/self/fd</c>), or -1 where there is no procfs.</summary>
    public static int OpenFileDescriptors() =>
        Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : -1;

    /// <summary>Gets the number of threads (<c>Threads:</c> of <c>/proc/self/status</c>, native ones included), or -1.</summary>
    public static int Threads()
    {
        if (!File.Exists("/proc/self/status"))
        {
            return -1;
        }

        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
        return line is null ? -1 : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
    }
}
