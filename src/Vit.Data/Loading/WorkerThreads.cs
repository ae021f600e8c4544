using System.Collections.Concurrent;

namespace Vit.Data;

/// <summary>
/// A loader's own background threads, kept for the loader's lifetime. Reusing the same threads every epoch keeps
/// memory flat (the native allocator keeps per-thread arenas, and libtorch's OpenMP keeps a thread team per calling
/// thread) and avoids starting threads each epoch, which is slower (docs/data.md, "BatchLoader").
/// </summary>
internal sealed class WorkerThreads : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread[] _threads;

    private readonly int _torchThreads;

    public WorkerThreads(int count, int torchThreads)
    {
        _torchThreads = torchThreads;
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"Vit.Data loader {i}" };
            _threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Lets queued work finish and ends the threads (waits for them).</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }

        _queue.Dispose();
    }

    protected override void QueueTask(Task task) => _queue.Add(task);

    // Work runs only on the loader's threads, never inline on the consumer's.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Run()
    {
        if (_torchThreads > 0)
        {
            OpenMpThreadLimit.TryApplyToCurrentThread(_torchThreads);
        }

        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }
}
