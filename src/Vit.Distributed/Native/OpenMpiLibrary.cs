using System.Runtime.InteropServices;
using System.Text;

namespace Vit.Distributed.Native;

/// <summary>
/// Open MPI's C API, bound at run time: <see cref="NativeLibrary"/> loads <c>libmpi</c> and every entry point is
/// called through an unmanaged function pointer, so nothing fails to load on machines without MPI until MPI is used.
/// </summary>
/// <remarks>
/// Open MPI's predefined handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ...) are the addresses of
/// exported globals (<c>ompi_mpi_comm_world</c>, ...), and <c>MPI_IN_PLACE</c> is <c>(void*)1</c>. MPICH and its
/// derivatives (Intel MPI, MVAPICH) use integer constants instead, so a binding is per implementation: this one is
/// Open MPI's (libmpi.so.40, the ABI of Open MPI 3.x to 5.x).
/// </remarks>
internal sealed unsafe class OpenMpiLibrary
{
    /// <summary><c>MPI_SUCCESS</c>.</summary>
    public const int Success = 0;

    /// <summary><c>MPI_THREAD_SERIALIZED</c>: any thread may call MPI, one at a time.</summary>
    public const int ThreadSerialized = 2;

    /// <summary>The library names tried, in order, when no path is given.</summary>
    public static readonly IReadOnlyList<string> DefaultNames = OperatingSystem.IsMacOS()
        ? ["libmpi.40.dylib", "libmpi.dylib"]
        : ["libmpi.so.40", "libmpi.so"];

    /// <summary>The packages that provide Open MPI, for error messages.</summary>
    public const string InstallHint =
        "Install Open MPI: on Debian or Ubuntu `apt-get install openmpi-bin libopenmpi-dev`, on Fedora or RHEL " +
        "`dnf install openmpi openmpi-devel` (then `module load mpi/openmpi-x86_64`), on macOS `brew install open-mpi`; " +
        "or set MpiOptions.LibraryPath to your Open MPI's libmpi.";

    /// <summary><c>MPI_IN_PLACE</c> in Open MPI.</summary>
    public static readonly void* InPlace = (void*)1;

    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<IntPtr, int*, int> _commRank;
    private readonly delegate* unmanaged<IntPtr, int*, int> _commSize;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int> _commSetErrhandler;
    private readonly delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int> _bcast;
    private readonly delegate* unmanaged<void*, int, IntPtr, void*, int, IntPtr, IntPtr, int> _allgather;
    private readonly delegate* unmanaged<IntPtr, int> _barrier;
    private readonly delegate* unmanaged<IntPtr, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly delegate* unmanaged<byte*, int*, int> _getLibraryVersion;

    private OpenMpiLibrary(string path, IntPtr handle)
    {
        Path = path;
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(handle, path, "MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export(handle, path, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(handle, path, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(handle, path, "MPI_Finalize");
        _commRank = (delegate* unmanaged<IntPtr, int*, int>)Export(handle, path, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<IntPtr, int*, int>)Export(handle, path, "MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged<IntPtr, IntPtr, int>)Export(handle, path, "MPI_Comm_set_errhandler");
        _allreduce = (delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int>)Export(handle, path, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int>)Export(handle, path, "MPI_Bcast");
        _allgather = (delegate* unmanaged<void*, int, IntPtr, void*, int, IntPtr, IntPtr, int>)Export(handle, path, "MPI_Allgather");
        _barrier = (delegate* unmanaged<IntPtr, int>)Export(handle, path, "MPI_Barrier");
        _abort = (delegate* unmanaged<IntPtr, int, int>)Export(handle, path, "MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export(handle, path, "MPI_Error_string");
        _getLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export(handle, path, "MPI_Get_library_version");

        CommWorld = OpenMpiHandle(handle, path, "ompi_mpi_comm_world");
        ErrorsReturn = OpenMpiHandle(handle, path, "ompi_mpi_errors_return");
        Byte = OpenMpiHandle(handle, path, "ompi_mpi_byte");
        Int32 = OpenMpiHandle(handle, path, "ompi_mpi_int32_t");
        Int64 = OpenMpiHandle(handle, path, "ompi_mpi_int64_t");
        Float32 = OpenMpiHandle(handle, path, "ompi_mpi_float");
        Float64 = OpenMpiHandle(handle, path, "ompi_mpi_double");
        Sum = OpenMpiHandle(handle, path, "ompi_mpi_op_sum");
        Max = OpenMpiHandle(handle, path, "ompi_mpi_op_max");
        Min = OpenMpiHandle(handle, path, "ompi_mpi_op_min");
    }

    /// <summary>Gets the library that was loaded (the name or path it was loaded by).</summary>
    public string Path { get; }

    /// <summary>Gets <c>MPI_COMM_WORLD</c>.</summary>
    public IntPtr CommWorld { get; }

    /// <summary>Gets <c>MPI_ERRORS_RETURN</c>.</summary>
    public IntPtr ErrorsReturn { get; }

    /// <summary>Gets <c>MPI_BYTE</c>.</summary>
    public IntPtr Byte { get; }

    /// <summary>Gets <c>MPI_INT32_T</c>.</summary>
    public IntPtr Int32 { get; }

    /// <summary>Gets <c>MPI_INT64_T</c>.</summary>
    public IntPtr Int64 { get; }

    /// <summary>Gets <c>MPI_FLOAT</c>.</summary>
    public IntPtr Float32 { get; }

    /// <summary>Gets <c>MPI_DOUBLE</c>.</summary>
    public IntPtr Float64 { get; }

    /// <summary>Gets <c>MPI_SUM</c>.</summary>
    public IntPtr Sum { get; }

    /// <summary>Gets <c>MPI_MAX</c>.</summary>
    public IntPtr Max { get; }

    /// <summary>Gets <c>MPI_MIN</c>.</summary>
    public IntPtr Min { get; }

    /// <summary>Loads Open MPI from <paramref name="libraryPath"/>, or from the default names when it is null.</summary>
    /// <exception cref="MpiException">No library loads, or the one that loads is not Open MPI; the message says what to install.</exception>
    public static OpenMpiLibrary Load(string? libraryPath)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new MpiException(
                "Vit.Distributed binds Open MPI, which does not run natively on Windows (Microsoft MPI's ABI differs); " +
                "run on Linux, WSL or macOS with Open MPI installed.");
        }

        var names = libraryPath is null ? DefaultNames : [libraryPath];
        var reasons = new List<string>();
        foreach (string name in names)
        {
            try
            {
                IntPtr handle = NativeLibrary.Load(name);
                return new OpenMpiLibrary(name, handle);
            }
            catch (DllNotFoundException e)
            {
                reasons.Add(e.Message);
            }
            catch (BadImageFormatException e)
            {
                reasons.Add(e.Message);
            }
        }

        throw new MpiException(
            $"Open MPI was not found: could not load {string.Join(" or ", names)}. {InstallHint} ({string.Join(" | ", reasons)})");
    }

    /// <summary><c>MPI_Initialized</c>.</summary>
    public bool IsInitialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    /// <summary><c>MPI_Finalized</c>.</summary>
    public bool IsFinalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary><c>MPI_Init_thread(NULL, NULL, required, &amp;provided)</c>; returns the provided level.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, null, required, &provided), "MPI_Init_thread");
        return provided;
    }

    /// <summary><c>MPI_Finalize</c>.</summary>
    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    /// <summary>Makes MPI calls on <paramref name="communicator"/> return error codes instead of aborting the job.</summary>
    public void SetErrorsReturn(IntPtr communicator) => Check(_commSetErrhandler(communicator, ErrorsReturn), "MPI_Comm_set_errhandler");

    /// <summary><c>MPI_Comm_rank</c>.</summary>
    public int CommRank(IntPtr communicator)
    {
        int rank;
        Check(_commRank(communicator, &rank), "MPI_Comm_rank");
        return rank;
    }

    /// <summary><c>MPI_Comm_size</c>.</summary>
    public int CommSize(IntPtr communicator)
    {
        int size;
        Check(_commSize(communicator, &size), "MPI_Comm_size");
        return size;
    }

    /// <summary><c>MPI_Allreduce(MPI_IN_PLACE, buffer, count, datatype, op, communicator)</c>.</summary>
    public void AllreduceInPlace(void* buffer, int count, IntPtr datatype, IntPtr operation, IntPtr communicator)
        => Check(_allreduce(InPlace, buffer, count, datatype, operation, communicator), "MPI_Allreduce");

    /// <summary><c>MPI_Bcast</c>.</summary>
    public void Bcast(void* buffer, int count, IntPtr datatype, int root, IntPtr communicator)
        => Check(_bcast(buffer, count, datatype, root, communicator), "MPI_Bcast");

    /// <summary><c>MPI_Allgather</c> of <paramref name="count"/> bytes from each rank.</summary>
    public void AllgatherBytes(void* send, void* receive, int count, IntPtr communicator)
        => Check(_allgather(send, count, Byte, receive, count, Byte, communicator), "MPI_Allgather");

    /// <summary><c>MPI_Barrier</c>.</summary>
    public void Barrier(IntPtr communicator) => Check(_barrier(communicator), "MPI_Barrier");

    /// <summary><c>MPI_Abort</c>: ends every process of the job; returns only if Open MPI could not.</summary>
    public int Abort(IntPtr communicator, int errorCode) => _abort(communicator, errorCode);

    /// <summary><c>MPI_Get_library_version</c>, first line (for example "Open MPI v4.1.4, package: ...").</summary>
    public string LibraryVersion()
    {
        // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI; a larger buffer costs nothing.
        byte* buffer = stackalloc byte[1024];
        int length;
        Check(_getLibraryVersion(buffer, &length), "MPI_Get_library_version");
        string text = Encoding.UTF8.GetString(buffer, Math.Clamp(length, 0, 1024)).TrimEnd('\0');
        int end = text.IndexOfAny(['\n', ',']);
        return (end < 0 ? text : text[..end]).Trim();
    }

    /// <summary><c>MPI_Error_string</c> of <paramref name="code"/>.</summary>
    public string ErrorString(int code)
    {
        // MPI_MAX_ERROR_STRING is 256 in Open MPI.
        byte* buffer = stackalloc byte[1024];
        int length = 0;
        if (_errorString(code, buffer, &length) != Success)
        {
            return "unknown MPI error";
        }

        return Encoding.UTF8.GetString(buffer, Math.Clamp(length, 0, 1024)).TrimEnd('\0');
    }

    private void Check(int code, string function)
    {
        if (code != Success)
        {
            throw new MpiException($"{function} failed with MPI error {code}: {ErrorString(code)}.", code);
        }
    }

    private static IntPtr Export(IntPtr handle, string path, string name)
    {
        if (!NativeLibrary.TryGetExport(handle, name, out IntPtr address))
        {
            throw new MpiException($"{path} loaded but does not export {name}: it is not an MPI library. {InstallHint}");
        }

        return address;
    }

    private static IntPtr OpenMpiHandle(IntPtr handle, string path, string name)
    {
        if (!NativeLibrary.TryGetExport(handle, name, out IntPtr address))
        {
            throw new MpiException(
                $"{path} is an MPI library but not Open MPI: it does not export {name}. MPICH, Intel MPI and MVAPICH " +
                $"use integer handles that this binding does not speak. {InstallHint}");
        }

        return address;
    }
}
