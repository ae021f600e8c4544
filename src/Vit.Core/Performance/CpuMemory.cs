using System.Runtime.InteropServices;

namespace Vit.Core;

/// <summary>
/// Process-wide settings for the native memory that libtorch's CPU tensors live in.
/// </summary>
/// <remarks>
/// libtorch allocates CPU tensors with <c>malloc</c> and has no caching allocator. glibc serves every block larger
/// than its mmap threshold (at most 32 MiB) with a fresh <c>mmap</c> and returns it on <c>free</c>, and trims the top
/// of its heap once enough is free. A training step allocates and frees the same activations every step (a ViT with
/// width 384 at batch 128 about 1 GB), so every step then pays the kernel to map and zero those pages again:
/// measured here, about 150,000 page faults per step and 20% of the process's CPU time.
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
    /// Makes glibc keep freed memory for reuse instead of returning it to the system: large blocks come from the heap
    /// (no per-block <c>mmap</c>) and the heap is never trimmed. Steady-state training and inference then reuse the
    /// same pages every step with no page faults, and resident memory stays at its high-water mark. That mark is above
    /// the live tensors' peak and creeps up over the first hundreds of steps, because glibc's heap fragments under
    /// blocks of many sizes (measured on the origin-width ViT at batch 128: +21% between steps 10 and 40). Small
    /// blocks held in glibc's per-thread caches and fast bins keep large free blocks from merging; starting the process
    /// with <c>GLIBC_TUNABLES=glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0</c> held that run within 6% from step 50
    /// to 300 (a library cannot set it: glibc reads it at start-up). Vit.Training's <c>Trainer</c> calls this
    /// when it trains on the CPU; call it yourself in inference loops, or call <see cref="ReturnLargeBlocks"/> when
    /// memory matters more than speed. On threads other than the process's main thread glibc serves blocks of 64 MiB
    /// and more with their own mappings whatever this setting says (its per-thread heaps are 64 MiB).
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
    /// returned to the system when freed. Resident memory is then exactly the live tensors (flat over any number of
    /// steps, and the lowest peak), at the price of faulting fresh pages for every large tensor of every step.
    /// Measured on the origin-width ViT at batch 128: peak resident memory 1,300 MB instead of about 1,740 MB, about
    /// 630,000 page faults per step and 16% slower steps (see BENCHMARKS.md). Overrides <see cref="RetainFreedMemory"/>.
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
    /// Returns the free pages of the heap to the system now (<c>malloc_trim(0)</c>) without changing any setting, e.g.
    /// between training and a memory-hungry phase while <see cref="RetainFreedMemory"/> is in force. Not a cure for
    /// fragmentation during training: pages returned are faulted in again, and measured at batch 128, trimming every
    /// 10 steps raised the peak (about 2,000 MB) instead of lowering it.
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
