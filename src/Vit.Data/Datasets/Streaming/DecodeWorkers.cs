using System.Collections.Concurrent;

namespace Vit.Data;

/// <summary>
/// The threads a <see cref="StreamingImageFolder"/> owns: they take decode jobs from one queue, and a semaphore caps
/// how many hold a decoded image at once (the bound on the dataset's memory).
/// </summary>
internal sealed class DecodeWorkers : IDisposable
{
    private readonly BlockingCollection<Action> _jobs = [];
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _inFlight;

    public DecodeWorkers(int threads, int maxInFlight)
    {
        _inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        _threads = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            _threads[t] = new Thread(Run) { IsBackground = true, Name = $"StreamingImageFolder decode {t}" };
            _threads[t].Start();
        }
    }

    /// <summary>Runs <paramref name="job"/> for each of <paramref name="count"/> items on the workers and waits for all.</summary>
    /// <exception cref="AggregateException">Never: jobs report their own failures.</exception>
    public void RunAll(int count, Action<int> job)
    {
        using var done = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            int item = i;
            _jobs.Add(() =>
            {
                _inFlight.Wait();
                try
                {
                    job(item);
                }
                finally
                {
                    _inFlight.Release();
                    done.Signal();
                }
            });
        }

        done.Wait();
    }

    public void Dispose()
    {
        _jobs.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _jobs.Dispose();
        _inFlight.Dispose();
    }

    private void Run()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            job();
        }
    }
}
