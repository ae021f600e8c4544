using System.Runtime.InteropServices;

namespace Vit.Core;

/// <summary>Process-wide settings for the native memory that libtorch's CPU tensors live in.</summary>
/// <remarks>
/// libtorch allocates CPU tensors with <c>malloc</c> and has no caching allocator, so with glibc's defaults (large
/// blocks mapped and unmapped one by one, the heap trimmed) every training step maps and zeroes its activations again.
/// Measurements: BENCHMARKS.md, "What was changed for speed" and "Memory runs".
/// </remarks>
public static class CpuMemory
{
    // mallopt parameters and defaults (glibc malloc.h, malloc.c).
    private const int TrimThreshold = -1;
    private const int MmapThreshold = -3;
    private const int MmapMax = -4;
    private const int DefaultMmapMax = 65536;

    /// <summary>The environment variable that turns <see cref="RetainFreedMemory"/> off when set to <c>0</c>.</summary>
    public const string OptOutVariable = "VIT_RETAIN_FREED_MEMORY";

    private static int s_retained;

    /// <summary>
    /// Makes glibc keep freed memory for reuse (large blocks from the heap, no trimming), so steady-state steps reuse
    /// the same pages with no page faults. Resident memory then stays at its high-water mark, which creeps up as the
    /// heap fragments; starting the process with <c>GLIBC_TUNABLES=glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0</c>
    /// keeps it nearly flat (BENCHMARKS.md, "Memory runs"). Vit.Training's <c>Trainer</c> calls this on the CPU; call
    /// it in inference loops, or call <see cref="ReturnLargeBlocks"/> when memory matters more than speed. Off the main
    /// thread glibc still maps blocks of 64 MiB and more one by one (its per-thread heaps are 64 MiB).
    /// </summary>
    /// <returns>
    /// <see langword="true"/> when the setting is in force (Linux with glibc); <see langword="false"/> elsewhere, where
    /// it does nothing (Windows and macOS allocators already cache, and musl has no such setting), and when the
    /// environment variable <see cref="OptOutVariable"/> is <c>0</c>.
    /// </returns>
    public static bool RetainFreedMemory()
    {
        if (Volatile.Read(ref s_retained) == 1)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            if (Environment.GetEnvironmentVariable(OptOutVariable) == "0")
            {
                return false; // the user keeps glibc's defaults (e.g. to compare, or to return memory between phases)
            }

            // mallopt returns 1 on success. Order matters little: both only affect later allocations and frees.
            bool applied = mallopt(MmapMax, 0) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1;
            if (applied)
            {
                Volatile.Write(ref s_retained, 1);
            }

            return applied;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc
        }
    }

    /// <summary>
    /// The opposite trade: every block of at least <paramref name="thresholdBytes"/> gets its own <c>mmap</c> and is
    /// returned when freed, so resident memory is exactly the live tensors (flat, the lowest peak) and every step
    /// faults its large tensors in again (slower steps; BENCHMARKS.md). Overrides <see cref="RetainFreedMemory"/>.
    /// </summary>
    /// <param name="thresholdBytes">The smallest block served by its own mapping; at least 4096.</param>
    /// <returns><see langword="true"/> when the setting is in force (Linux with glibc); otherwise <see langword="false"/>.</returns>
    public static bool ReturnLargeBlocks(int thresholdBytes = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(thresholdBytes, 4096);
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // A fixed threshold also turns off glibc's own raising of it, which is what parks blocks in the heap.
            bool applied = mallopt(MmapMax, DefaultMmapMax) == 1 && mallopt(MmapThreshold, thresholdBytes) == 1
                && mallopt(TrimThreshold, 2 * thresholdBytes) == 1;
            if (applied)
            {
                Volatile.Write(ref s_retained, 0);
            }

            return applied;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Returns the heap's free pages to the system now (<c>malloc_trim(0)</c>) without changing any setting, e.g.
    /// between training and a memory-hungry phase. Not a cure for fragmentation during training: trimming every few
    /// steps raised the peak instead (BENCHMARKS.md, "Memory runs").
    /// </summary>
    /// <returns><see langword="true"/> when memory was returned; <see langword="false"/> when there was none or on other C libraries.</returns>
    public static bool ReleaseFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return malloc_trim(0) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Gets a value indicating whether <see cref="RetainFreedMemory"/> is in force in this process.</summary>
    public static bool IsRetainingFreedMemory => Volatile.Read(ref s_retained) == 1;

    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int malloc_trim(nuint pad);

    // DllImport rather than LibraryImport: int-only signatures need no marshalling, and no unsafe code.
    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int mallopt(int param, int value);
}
