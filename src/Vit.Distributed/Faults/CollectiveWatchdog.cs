using System.Diagnostics;

namespace Vit.Distributed.Faults;

/// <summary>
/// Watches the MPI call in progress from a thread of its own and reports it once it has waited longer than the
/// timeout. A blocked MPI call never returns on its own when a peer hangs or vanishes unnoticed, so only another
/// thread can end the wait; the report handler aborts the job.
/// </summary>
/// <remarks>Entering and leaving a call costs one uncontended lock each; the thread sleeps between calls.</remarks>
internal sealed class CollectiveWatchdog : IDisposable
{
    private readonly object _gate = new();
    private readonly TimeSpan _timeout;
    private readonly Action<CollectiveCall, TimeSpan> _onTimeout;
    private readonly Thread _thread;
    private CollectiveCall _call;
    private long _started;
    private bool _active;
    private bool _disposed;

    /// <summary>Starts the watching thread.</summary>
    /// <param name="timeout">How long a call may wait.</param>
    /// <param name="onTimeout">Called on the watching thread with the call and how long it has waited.</param>
    public CollectiveWatchdog(TimeSpan timeout, Action<CollectiveCall, TimeSpan> onTimeout)
    {
        _timeout = timeout;
        _onTimeout = onTimeout;
        _thread = new Thread(Watch) { IsBackground = true, Name = "Vit.Distributed watchdog" };
        _thread.Start();
    }

    /// <summary>Gets the call in progress and how long it has waited, or null between calls.</summary>
    public (CollectiveCall Call, TimeSpan Elapsed)? Current
    {
        get
        {
            lock (_gate)
            {
                return _active ? (_call, Stopwatch.GetElapsedTime(_started)) : null;
            }
        }
    }

    /// <summary>Starts watching <paramref name="call"/>.</summary>
    public void Enter(CollectiveCall call)
    {
        lock (_gate)
        {
            _call = call;
            _started = Stopwatch.GetTimestamp();
            _active = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>The call returned: stop watching it.</summary>
    public void Exit()
    {
        lock (_gate)
        {
            _active = false;
        }
    }

    /// <summary>Ends the watching thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
    }

    private void Watch()
    {
        while (true)
        {
            CollectiveCall expired;
            TimeSpan waited;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                if (!_active)
                {
                    Monitor.Wait(_gate);
                    continue;
                }

                waited = Stopwatch.GetElapsedTime(_started);
                if (waited < _timeout)
                {
                    Monitor.Wait(_gate, _timeout - waited);
                    continue;
                }

                expired = _call;
                _active = false; // report each call once
            }

            _onTimeout(expired, waited);
        }
    }
}
