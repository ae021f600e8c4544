namespace Vit.Data;

/// <summary>
/// A <see cref="BatchLoader"/>'s worker threads, lent to one epoch at a time (a second epoch would queue behind the
/// first's workers and never start). They are started on first use and ended by <see cref="Close"/>, or, when the
/// loader is closed while an epoch runs, by that epoch's <see cref="Release"/>.
/// </summary>
internal sealed class EpochThreads(int count, int torchThreads)
{
    private readonly object _lock = new();
    private WorkerThreads? _threads;
    private bool _running;
    private bool _closed;

    /// <summary>Lends the threads to an epoch of <paramref name="owner"/>.</summary>
    /// <exception cref="ObjectDisposedException">The loader was closed.</exception>
    /// <exception cref="InvalidOperationException">Another epoch holds the threads.</exception>
    public WorkerThreads Acquire(BatchLoader owner)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            if (_running)
            {
                throw new InvalidOperationException(
                    "Another epoch of this BatchLoader is still being enumerated; finish or dispose its enumerator first (one epoch at a time per loader).");
            }

            _running = true;
            return _threads ??= new WorkerThreads(count, torchThreads);
        }
    }

    /// <summary>Takes the threads back from the epoch; ends them if the loader was closed meanwhile.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _running = false;
            if (_closed)
            {
                End();
            }
        }
    }

    /// <summary>Ends the threads now, or when the running epoch releases them.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            if (!_running)
            {
                End();
            }
        }
    }

    private void End()
    {
        _threads?.Dispose();
        _threads = null;
    }
}
