using System.Globalization;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// Minor page faults of this process so far (field 10 of <c>/proc/self/stat</c>; 0 where it does not exist). Each
/// is the kernel mapping and zeroing a fresh 4 KiB page: the price of an allocator that returns big tensors' memory
/// to the system and gets new pages on the next allocation.
/// </summary>
internal static class PageFaults
{
    public static long Minor()
    {
        const string path = "/proc/self/stat";
        if (!File.Exists(path))
        {
            return 0;
        }

        string stat = File.ReadAllText(path);
        // Fields after the command name (which may hold spaces) start at field 3 (state).
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
    }
}
