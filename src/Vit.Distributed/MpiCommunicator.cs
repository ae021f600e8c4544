using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using Vit.Distributed.Faults;
using Vit.Distributed.Native;
using Vit.Training;

namespace Vit.Distributed;

/// <summary>
/// The processes of one MPI job (<c>MPI_COMM_WORLD</c>): this process's rank, the world size, and the collectives
/// data-parallel training needs (all-reduce, broadcast, all-gather, barrier) on spans and TorchSharp tensors.
/// </summary>
/// <remarks>
/// <para>Start the program with <c>mpirun -np N</c>; without a launcher it runs as a world of one. MPI can be
/// initialized once per process: create one communicator at start-up, pass it where it is needed and dispose it at
/// the end (<c>MPI_Finalize</c>); <see cref="Run(Func{MpiCommunicator, int}, MpiOptions?)"/> does all of that.</para>
/// <para>Faults end the whole job with a clear message on every rank instead of a hang: a collective that waits
/// longer than <see cref="MpiOptions.CollectiveTimeout"/> reports itself and aborts the job; an unhandled exception
/// on one rank aborts the job at once; a rank stopped by the launcher (mpirun stops the others when one dies) says
/// so and what it was waiting in.</para>
/// <para>Collectives must be called in the same order on every rank, one at a time per process (MPI thread level
/// <c>MPI_THREAD_SERIALIZED</c>; the communicator serializes its own calls).</para>
/// </remarks>
public sealed partial class MpiCommunicator : IDisposable, IProcessGroup
{
    /// <summary>The job's exit code when a collective waited longer than <see cref="MpiOptions.CollectiveTimeout"/>.</summary>
    public const int TimeoutExitCode = 124;

    /// <summary>The job's exit code when a rank failed with an exception that the other ranks did not share.</summary>
    public const int FailureExitCode = 1;

    private static readonly object s_processLock = new();
    private static MpiCommunicator? s_current;
    private static bool s_finalized;

    private readonly OpenMpiLibrary _mpi;
    private readonly IntPtr _world;
    private readonly bool _ownsMpi;
    private readonly object _callLock = new();
    private readonly CollectiveWatchdog _watchdog;
    private readonly PosixSignalRegistration? _terminationSignal;
    private Exception? _sharedFailure;
    private bool _disposed;

    private MpiCommunicator(OpenMpiLibrary mpi, bool ownsMpi, TimeSpan timeout)
    {
        _mpi = mpi;
        _ownsMpi = ownsMpi;
        _world = mpi.CommWorld;
        mpi.SetErrorsReturn(_world);
        Rank = mpi.CommRank(_world);
        Size = mpi.CommSize(_world);
        LibraryVersion = mpi.LibraryVersion();
        CollectiveTimeout = timeout;
        RankLabel = string.Format(
            CultureInfo.InvariantCulture, "rank {0} of {1} (pid {2} on {3})", Rank, Size, Environment.ProcessId, Environment.MachineName);
        _watchdog = new CollectiveWatchdog(timeout, OnCollectiveTimeout);
        if (Size > 1)
        {
            if (!OperatingSystem.IsWindows())
            {
                _terminationSignal = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminationSignal);
            }

            AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        }
    }

    /// <summary>Gets this process's rank, in [0, <see cref="Size"/>).</summary>
    public int Rank { get; }

    /// <summary>Gets the number of processes in the job.</summary>
    public int Size { get; }

    /// <summary>Gets a value indicating whether this is rank 0, the one that writes files and logs.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Gets the MPI library's own description, for example "Open MPI v4.1.4".</summary>
    public string LibraryVersion { get; }

    /// <summary>Gets how long a collective may wait for the other ranks before the job is aborted.</summary>
    public TimeSpan CollectiveTimeout { get; }

    /// <summary>Gets a value indicating whether this process was started by Open MPI's launcher (mpirun, mpiexec).</summary>
    public static bool IsLaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>Gets "rank R of N (pid P on host)", the prefix of this rank's fault messages.</summary>
    internal string RankLabel { get; }

    /// <summary>
    /// Initializes MPI (<c>MPI_Init_thread</c>, thread level serialized) and returns the world communicator. When
    /// something else in the process already initialized MPI, the communicator uses it and leaves finalizing to it.
    /// </summary>
    /// <param name="options">Library path and collective timeout; <see langword="null"/> for the defaults.</param>
    /// <returns>The communicator; dispose it at the end of the run.</returns>
    /// <exception cref="MpiException">Open MPI is not installed (the message names the packages), is not Open MPI,
    /// does not support the thread level, or MPI was already initialized and finalized in this process.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">Another communicator of this process is still open.</exception>
    public static MpiCommunicator Initialize(MpiOptions? options = null)
    {
        options ??= new MpiOptions();
        new MpiOptionsValidator().ThrowIfInvalid(options);
        lock (s_processLock)
        {
            if (s_current is not null)
            {
                throw new InvalidOperationException(
                    "An MpiCommunicator is already open in this process; MPI is initialized once per process, so pass that one along.");
            }

            if (s_finalized)
            {
                throw new MpiException(
                    "MPI was already finalized in this process and cannot be initialized again (an MPI rule): create one MpiCommunicator at start-up and keep it for the whole run.");
            }

            var mpi = OpenMpiLibrary.Load(options.LibraryPath);
            if (mpi.IsFinalized())
            {
                throw new MpiException("MPI was already finalized in this process and cannot be initialized again (an MPI rule).");
            }

            bool ownsMpi = !mpi.IsInitialized();
            if (ownsMpi)
            {
                int provided = mpi.InitThread(OpenMpiLibrary.ThreadSerialized);
                if (provided < OpenMpiLibrary.ThreadSerialized)
                {
                    mpi.FinalizeMpi();
                    s_finalized = true;
                    throw new MpiException(
                        $"{mpi.Path} provides MPI thread level {provided}, below MPI_THREAD_SERIALIZED ({OpenMpiLibrary.ThreadSerialized}) which .NET code needs (calls may come from any thread).");
                }
            }

            s_current = new MpiCommunicator(mpi, ownsMpi, options.CollectiveTimeout);
            return s_current;
        }
    }

    /// <summary>
    /// Runs <paramref name="main"/> as one rank of the job: initializes MPI, calls it, and finalizes. An exception
    /// that only this rank throws aborts the whole job at once (the other ranks would otherwise wait for this one
    /// until their collective timeout); an exception every rank throws alike
    /// (<see cref="SettingsMismatchException"/>, a failure inside <see cref="RunOnRoot(string, Action)"/>) finalizes
    /// normally and is rethrown on every rank.
    /// </summary>
    /// <param name="main">The program; returns its exit code.</param>
    /// <param name="options">MPI options; <see langword="null"/> for the defaults.</param>
    /// <returns>The exit code <paramref name="main"/> returned.</returns>
    public static int Run(Func<MpiCommunicator, int> main, MpiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        using var communicator = Initialize(options);
        try
        {
            return main(communicator);
        }
        catch (Exception e) when (communicator.Size > 1 && !ReferenceEquals(e, communicator._sharedFailure))
        {
            communicator.Abort(
                $"failed; aborting the job so that the other ranks stop now instead of waiting for this one:{Environment.NewLine}{e}",
                FailureExitCode);
            throw;
        }
    }

    /// <summary>
    /// Writes "Vit.Distributed: rank R of N (pid P on host): <paramref name="message"/>" to the standard error and
    /// ends every process of the job (<c>MPI_Abort</c>); the launcher exits with <paramref name="errorCode"/>.
    /// </summary>
    /// <param name="message">Why the job ends.</param>
    /// <param name="errorCode">The job's exit code.</param>
    [DoesNotReturn]
    public void Abort(string message, int errorCode = FailureExitCode)
    {
        ArgumentNullException.ThrowIfNull(message);
        Report(message);
        if (!(_disposed && _ownsMpi))
        {
            _mpi.Abort(_world, errorCode);
        }

        Environment.Exit(errorCode); // MPI is finalized, or MPI_Abort returned because it could not reach the launcher
    }

    /// <summary>
    /// Finalizes MPI (<c>MPI_Finalize</c>, which waits for every rank: the collective timeout applies). Call it on
    /// every rank at the end of the run.
    /// </summary>
    public void Dispose()
    {
        lock (s_processLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
            try
            {
                if (_ownsMpi)
                {
                    lock (_callLock)
                    {
                        _watchdog.Enter(new CollectiveCall("MPI_Finalize", 0, string.Empty));
                        try
                        {
                            _mpi.FinalizeMpi();
                        }
                        finally
                        {
                            _watchdog.Exit();
                            s_finalized = true;
                        }
                    }
                }
            }
            finally
            {
                _terminationSignal?.Dispose();
                _watchdog.Dispose();
                s_current = null;
            }
        }
    }

    /// <summary>Writes one fault message, prefixed with this rank, to the standard error at once.</summary>
    internal void Report(string message)
    {
        var error = Console.Error;
        error.WriteLine($"Vit.Distributed: {RankLabel}: {message}");
        error.Flush();
    }

    private void OnCollectiveTimeout(CollectiveCall call, TimeSpan waited)
    {
        Abort(
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} waited {1:0.0} s for the other ranks, longer than MpiOptions.CollectiveTimeout ({2}): another rank " +
                "has hung, died without the launcher noticing, or called a different collective. Aborting the job " +
                "(MPI_Abort, exit code {3}).",
                call.Describe(), waited.TotalSeconds, CollectiveTimeout, TimeoutExitCode),
            TimeoutExitCode);
    }

    private void OnTerminationSignal(PosixSignalContext context)
    {
        // The default action (ending the process) still follows: this only says why.
        string where = _watchdog.Current is { } current
            ? string.Format(CultureInfo.InvariantCulture, "while waiting {0:0.0} s in {1}", current.Elapsed.TotalSeconds, current.Call.Describe())
            : "outside any collective";
        Report(
            $"stopped by SIGTERM {where}. mpirun sends it to every rank when one rank has failed or aborted (that " +
            "rank's error is above or in mpirun's report) or when the job is interrupted.");
    }

    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e)
    {
        Abort(
            $"failed with an unhandled exception; aborting the job so that the other ranks stop now instead of waiting for this one:{Environment.NewLine}{e.ExceptionObject}",
            FailureExitCode);
    }

    /// <summary>Marks <paramref name="exception"/> as thrown alike on every rank, so that Run does not abort for it.</summary>
    private T Shared<T>(T exception)
        where T : Exception
    {
        _sharedFailure = exception;
        return exception;
    }
}
