using Microsoft.ML.OnnxRuntime;

namespace Vit.Inference;

/// <summary>
/// An ONNX Runtime session that many threads run while one may dispose it: the session is released by whichever of
/// <see cref="Dispose"/> and the last call in flight finishes last, so disposing while other threads run never frees
/// memory ONNX Runtime is using; calls after <see cref="Dispose"/> throw <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class SharedSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly Type _owner;
    private int _activeCalls;
    private int _disposed;
    private int _released;

    public SharedSession(InferenceSession session, Type owner)
    {
        _session = session;
        _owner = owner;
    }

    /// <summary>Gets the session's input metadata (safe while it is open).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _session.InputMetadata;

    /// <summary>Runs <paramref name="work"/> on the session, holding it open until the work returns.</summary>
    /// <exception cref="ObjectDisposedException">The owner was disposed.</exception>
    public T Use<T>(Func<InferenceSession, T> work)
    {
        Interlocked.Increment(ref _activeCalls);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, _owner);
            return work(_session);
        }
        finally
        {
            if (Interlocked.Decrement(ref _activeCalls) == 0 && Volatile.Read(ref _disposed) != 0)
            {
                Release();
            }
        }
    }

    /// <summary>Marks the session disposed; it is released now, or by the last call still running.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        if (Volatile.Read(ref _activeCalls) == 0)
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _session.Dispose();
        }
    }
}
