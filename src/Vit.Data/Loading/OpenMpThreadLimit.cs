using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Vit.Data;

/// <summary>
/// Limits how many OpenMP threads libtorch's operations use when called from the current thread only, the way
/// PyTorch's DataLoader workers run single-threaded. <c>torch.set_num_threads</c> cannot do this: it also changes
/// a process-wide default that later threads (such as the training thread) inherit. OpenMP's
/// <c>omp_set_num_threads</c> sets a per-thread value, so it is called directly in the OpenMP runtime libtorch
/// loaded (libgomp on Linux, libiomp/libomp/vcomp elsewhere). One thread, because OpenMP teams spinning at barriers
/// on busy cores starve each other (docs/data.md, "Measured throughput"). When no OpenMP runtime is found this does nothing.
/// </summary>
internal static class OpenMpThreadLimit
{
    private static readonly Lazy<SetNumThreads[]> Setters = new(FindSetters);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetNumThreads(int threads);

    /// <summary>Applies the limit to the calling thread; returns whether an OpenMP runtime was found.</summary>
    public static bool TryApplyToCurrentThread(int threads)
    {
        // libtorch sets a thread's OpenMP thread count itself on that thread's first parallel operation; have it
        // do so now, so the value set below is the one that stays.
        _ = torch.get_num_threads();
        foreach (var set in Setters.Value)
        {
            set(threads);
        }

        return Setters.Value.Length > 0;
    }

    private static SetNumThreads[] FindSetters()
    {
        var setters = new List<SetNumThreads>();
        using var process = Process.GetCurrentProcess();
        foreach (ProcessModule module in process.Modules)
        {
            string name = Path.GetFileName(module.FileName).ToLowerInvariant();
            bool openMp = name.StartsWith("libgomp", StringComparison.Ordinal) || name.StartsWith("libiomp", StringComparison.Ordinal)
                || name.StartsWith("libomp", StringComparison.Ordinal) || name.StartsWith("vcomp", StringComparison.Ordinal);
            if (openMp && NativeLibrary.TryLoad(module.FileName, out IntPtr handle)
                && NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out IntPtr export))
            {
                setters.Add(Marshal.GetDelegateForFunctionPointer<SetNumThreads>(export));
            }
        }

        return [.. setters];
    }
}
