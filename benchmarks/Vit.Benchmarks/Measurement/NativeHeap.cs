using System.Runtime.InteropServices;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// glibc's own account of the native heap (<c>mallinfo2</c>, glibc ≥ 2.33): bytes in use by live allocations versus
/// bytes held free. A leak grows the first; fragmentation (free holes that the next step's blocks do not fit) grows
/// the second. Unavailable (null) on other C libraries.
/// </summary>
internal static class NativeHeap
{
    public static (double InUseMb, double FreeMb, double MmappedMb)? Read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var info = mallinfo2();
            const double mb = 1024.0 * 1024.0;
            return ((info.uordblks + info.hblkhd) / mb, info.fordblks / mb, info.hblkhd / mb);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern MallInfo2 mallinfo2();

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena;
        public nuint ordblks;
        public nuint smblks;
        public nuint hblks;
        public nuint hblkhd;
        public nuint usmblks;
        public nuint fsmblks;
        public nuint uordblks;
        public nuint fordblks;
        public nuint keepcost;
    }
}
