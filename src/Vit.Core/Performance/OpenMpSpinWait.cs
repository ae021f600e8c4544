using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Vit.Core;

/// <summary>
/// How long libtorch's OpenMP threads (GNU libgomp on Linux) spin before they sleep while waiting for work.
/// </summary>
/// <remarks>
/// libgomp reads <c>GOMP_SPINCOUNT</c> once, when libtorch loads, and by default spins 300,000 iterations at every
/// barrier: fastest while the process has the cores to itself, much slower when other busy threads want them, since a
/// spinning thread keeps the core from the thread it waits for (measurements: docs/data.md, "BatchLoader"). Call
/// <see cref="Limit"/> first thing in <c>Main</c>, before any TorchSharp call.
/// </remarks>
public static class OpenMpSpinWait
{
    /// <summary>The spin count <see cref="Limit"/> uses unless told otherwise.</summary>
    public const long DefaultSpinCount = 2000;

    /// <summary>The libgomp environment variable that holds the spin count.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The OpenMP environment variable that, when set, decides spinning on its own.</summary>
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Sets libgomp's spin count for this process, unless the user already chose one (either variable set in the
    /// environment) or libgomp has already loaded (then it is too late; the call changes nothing).
    /// </summary>
    /// <param name="spinCount">Iterations a waiting thread spins before it sleeps; 0 sleeps at once.</param>
    /// <returns>
    /// <see langword="true"/> when the spin count was set and will apply to libtorch; <see langword="false"/> off
    /// Linux (other OpenMP runtimes), when the environment already decides, or when libgomp is already loaded.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="spinCount"/> is negative.</exception>
    public static bool Limit(long spinCount = DefaultSpinCount)
    {
        if (spinCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(spinCount), spinCount, $"spinCount must be 0 or more; got {spinCount}.");
        }

        if (!OperatingSystem.IsLinux() || IsLibGompLoaded())
        {
            return false;
        }

        try
        {
            // .NET keeps its own copy of the environment on Unix, so Environment.SetEnvironmentVariable would not
            // reach libgomp's getenv: read and write the C library's environment instead.
            if (GetEnv(SpinCountVariable) != IntPtr.Zero || GetEnv(WaitPolicyVariable) != IntPtr.Zero)
            {
                return false;
            }

            return SetEnv(SpinCountVariable, spinCount.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc, so not libgomp either
        }
    }

    /// <summary>Whether libgomp is mapped into this process (libtorch has loaded, or something else brought it).</summary>
    /// <returns><see langword="true"/> when <c>/proc/self/maps</c> lists a libgomp library.</returns>
    public static bool IsLibGompLoaded()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            if (line.Contains("/libgomp", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static IntPtr GetEnv(string name) => getenv(CString(name));

    private static bool SetEnv(string name, string value) => setenv(CString(name), CString(value), 0) == 0;

    // The names and values are ASCII; passing NUL-terminated bytes needs no string marshalling and no unsafe code.
    private static byte[] CString(string text) => Encoding.ASCII.GetBytes(text + "\0");

    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern IntPtr getenv(byte[] name);

    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setenv(byte[] name, byte[] value, int overwrite);
}
