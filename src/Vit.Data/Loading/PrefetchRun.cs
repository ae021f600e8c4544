using System.Runtime.ExceptionServices;

namespace Vit.Data;

/// <summary>
/// One epoch's background workers. Workers claim the planned batches in order, at most PrefetchCount ahead of the
/// consumer (a semaphore bounds them), and publish each batch into its own slot, so the consumer receives batches
/// in order whichever worker finished first.
/// </summary>
internal sealed class PrefetchRun : IDisposable
{
    private readonly BatchLoader _loader;
    private readonly int _epoch;
    private readonly PlannedBatch[] _plan;
    private readonly TaskCompletionSource<Batch>[] _slots;
    private readonly SemaphoreSlim _window;
    private readonly CancellationToken _cancellation;
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _workers;
    private int _nextIndex = -1;
    private int _taken = -1;

    /// <summary>Starts the workers on <paramref name="plan"/>: the batches to build, in the order they are handed out.</summary>
    public PrefetchRun(BatchLoader loader, WorkerThreads threads, int epoch, PlannedBatch[] plan, CancellationToken cancellationToken)
    {
        _loader = loader;
        _epoch = epoch;
        _plan = plan;
        _slots = new TaskCompletionSource<Batch>[plan.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new TaskCompletionSource<Batch>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // One permit per batch alive: the one the consumer holds plus PrefetchCount prepared ahead of it.
        _window = new SemaphoreSlim(loader.PrefetchCount + 1);
        _cancellation = cancellationToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _workers = new Task[Math.Min(loader.WorkerCount, _slots.Length)];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.None, threads);
        }
    }

    /// <summary>Waits for the batch at <paramref name="index"/> of the plan; rethrows a worker's exception or the cancellation.</summary>
    public Batch Take(int index)
    {
        // A batch already prepared must not slip past a cancellation: check before looking at the slot.
        _cancellation.ThrowIfCancellationRequested();
        var task = _slots[index].Task;
        try
        {
            // Only the caller's token: a worker that failed stops the others from claiming new batches, but every
            // batch claimed before the failed one still completes, so the consumer meets the failure in order.
            task.Wait(_cancellation);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        _taken = index;
        return task.Result;
    }

    /// <summary>The consumer is done with one batch: one more may be prepared.</summary>
    public void Release() => _window.Release();

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            Task.WaitAll(_workers);
        }
        catch (AggregateException)
        {
            // Workers report their failures through the slots; nothing else to surface while shutting down.
        }

        // Free every batch that was prepared but never handed out.
        for (int i = _taken + 1; i < _slots.Length; i++)
        {
            if (_slots[i].Task.IsCompletedSuccessfully)
            {
                _slots[i].Task.Result.Dispose();
            }
        }

        _window.Dispose();
        _stop.Dispose();
    }

    private void Work()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _window.Wait(token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            int index = Interlocked.Increment(ref _nextIndex);
            if (index >= _slots.Length)
            {
                return;
            }

            try
            {
                var planned = _plan[index];
                _slots[index].TrySetResult(_loader.Builder.Build(_epoch, planned.Index, planned.Samples));
            }
#pragma warning disable CA1031 // Any failure is handed to the consumer, who rethrows it at this batch.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _slots[index].TrySetException(e);
                _stop.Cancel();
                return;
            }
        }
    }
}
