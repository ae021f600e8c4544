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
    // mallopt parameters (glibc malloc.h).
    private const int TrimThreshold = -1;
    private const int MmapMax = -4;

    /// <summary>The environment variable that turns <see cref="RetainFreedMemory"/> off when set to <c>0</c>.</summary>
    public const string OptOutVariable = "VIT_RETAIN_FREED_MEMORY";

    private static int s_retained;

    /// <summary>
    /// Makes glibc keep freed memory for reuse instead of returning it to the system: large blocks come from the heap
    /// (no per-block <c>mmap</c>) and the heap is never trimmed. Steady-state training and inference then reuse the
    /// same pages every step with no page faults; resident memory stays at the step's peak (it does not grow past it).
    /// Vit.Training's <c>Trainer</c> calls this when it trains on the CPU; call it yourself in inference loops.
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

    // DllImport rather than LibraryImport: int-only signatures need no marshalling, and no unsafe code.
    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int mallopt(int param, int value);
}
