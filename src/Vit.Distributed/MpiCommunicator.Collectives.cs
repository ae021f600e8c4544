using System.Text;
using Vit.Distributed.Faults;
using Vit.Distributed.Native;

namespace Vit.Distributed;

public sealed partial class MpiCommunicator
{
    /// <summary>Combines <paramref name="values"/> element by element across all ranks, in place, on every rank.</summary>
    /// <param name="values">This rank's values; every rank passes the same length.</param>
    /// <param name="operation">How values combine.</param>
    /// <exception cref="MpiException">The MPI call failed.</exception>
    public void AllReduce(Span<float> values, ReduceOperation operation = ReduceOperation.Sum)
        => AllReduce(values, Element(typeof(float)), operation);

    /// <inheritdoc cref="AllReduce(Span{float}, ReduceOperation)"/>
    public void AllReduce(Span<double> values, ReduceOperation operation = ReduceOperation.Sum)
        => AllReduce(values, Element(typeof(double)), operation);

    /// <inheritdoc cref="AllReduce(Span{float}, ReduceOperation)"/>
    public void AllReduce(Span<int> values, ReduceOperation operation = ReduceOperation.Sum)
        => AllReduce(values, Element(typeof(int)), operation);

    /// <inheritdoc cref="AllReduce(Span{float}, ReduceOperation)"/>
    public void AllReduce(Span<long> values, ReduceOperation operation = ReduceOperation.Sum)
        => AllReduce(values, Element(typeof(long)), operation);

    /// <summary>Combines one value across all ranks and returns the result on every rank.</summary>
    /// <param name="value">This rank's value.</param>
    /// <param name="operation">How values combine.</param>
    /// <returns>The combined value.</returns>
    public long AllReduce(long value, ReduceOperation operation = ReduceOperation.Sum)
    {
        Span<long> values = [value];
        AllReduce(values, operation);
        return values[0];
    }

    /// <inheritdoc cref="AllReduce(long, ReduceOperation)"/>
    public double AllReduce(double value, ReduceOperation operation = ReduceOperation.Sum)
    {
        Span<double> values = [value];
        AllReduce(values, operation);
        return values[0];
    }

    /// <summary>Copies <paramref name="values"/> from rank <paramref name="root"/> to every other rank, in place.</summary>
    /// <typeparam name="T">The element type; the bytes are copied as they are.</typeparam>
    /// <param name="values">The root's values, or the buffer that receives them; every rank passes the same length.</param>
    /// <param name="root">The rank whose values every rank ends up with.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="MpiException">The MPI call failed.</exception>
    public unsafe void Broadcast<T>(Span<T> values, int root = 0)
        where T : unmanaged
    {
        CheckRoot(root);
        fixed (T* data = values)
        {
            BroadcastBytes(data, (long)values.Length * sizeof(T), root);
        }
    }

    /// <summary>Sends rank <paramref name="root"/>'s string to every rank.</summary>
    /// <param name="value">The root's string; the other ranks' values are ignored.</param>
    /// <param name="root">The rank whose string every rank gets.</param>
    /// <returns>The root's string, on every rank.</returns>
    public string Broadcast(string value, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckRoot(root);
        byte[] bytes = Rank == root ? Encoding.UTF8.GetBytes(value) : [];
        Span<long> length = [bytes.Length];
        Broadcast(length, root);
        if (Rank != root)
        {
            bytes = new byte[length[0]];
        }

        Broadcast(bytes.AsSpan(), root);
        return Rank == root ? value : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Gathers every rank's <paramref name="value"/> on every rank, in rank order.</summary>
    /// <typeparam name="T">The element type; the bytes are copied as they are.</typeparam>
    /// <param name="value">This rank's values; every rank passes the same length.</param>
    /// <returns><see cref="Size"/> × <paramref name="value"/>.Length elements: rank 0's, then rank 1's, ...</returns>
    /// <exception cref="MpiException">The MPI call failed.</exception>
    public unsafe T[] AllGather<T>(ReadOnlySpan<T> value)
        where T : unmanaged
    {
        long bytes = (long)value.Length * sizeof(T);
        if (bytes * Size > int.MaxValue)
        {
            throw new ArgumentException(
                $"AllGather moves at most {int.MaxValue} bytes in all; {Size} ranks × {bytes} bytes is more.", nameof(value));
        }

        var result = new T[value.Length * Size];
        fixed (T* send = value)
        fixed (T* receive = result)
        {
            using var call = Call("MPI_Allgather", value.Length, typeof(T).Name);
            _mpi.AllgatherBytes(send, receive, (int)bytes, _world);
        }

        return result;
    }

    /// <summary>Waits until every rank has called it.</summary>
    /// <exception cref="MpiException">The MPI call failed.</exception>
    public void Barrier()
    {
        using var call = Call("MPI_Barrier", 0, string.Empty);
        _mpi.Barrier(_world);
    }

    /// <summary>Starts a collective: one at a time per process, watched by the watchdog.</summary>
    private CallScope Call(string function, long count, string elementType)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Monitor.Enter(_callLock);
        _watchdog.Enter(new CollectiveCall(function, count, elementType));
        return new CallScope(this);
    }

    private unsafe void AllReduce<T>(Span<T> values, MpiElement element, ReduceOperation operation)
        where T : unmanaged
    {
        fixed (T* data = values)
        {
            AllReduceInPlace(data, values.Length, element, operation);
        }
    }

    private unsafe void AllReduceInPlace(void* data, long count, MpiElement element, ReduceOperation operation)
    {
        IntPtr op = operation switch
        {
            ReduceOperation.Sum => _mpi.Sum,
            ReduceOperation.Max => _mpi.Max,
            ReduceOperation.Min => _mpi.Min,
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Expected Sum, Max or Min."),
        };
        using var call = Call("MPI_Allreduce", count, element.Name);
        foreach (var (offset, n) in CallChunks.Split(count, element.Size))
        {
            _mpi.AllreduceInPlace((byte*)data + (offset * element.Size), n, element.Handle, op, _world);
        }
    }

    private unsafe void BroadcastBytes(void* data, long bytes, int root)
    {
        using var call = Call("MPI_Bcast", bytes, "bytes");
        foreach (var (offset, n) in CallChunks.Split(bytes, 1))
        {
            _mpi.Bcast((byte*)data + offset, n, _mpi.Byte, root, _world);
        }
    }

    private void CheckRoot(int root)
    {
        if (root < 0 || root >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in [0, {Size}); got {root}.");
        }
    }

    private MpiElement Element(Type type) => type switch
    {
        _ when type == typeof(float) => new MpiElement(_mpi.Float32, sizeof(float), "float32"),
        _ when type == typeof(double) => new MpiElement(_mpi.Float64, sizeof(double), "float64"),
        _ when type == typeof(int) => new MpiElement(_mpi.Int32, sizeof(int), "int32"),
        _ when type == typeof(long) => new MpiElement(_mpi.Int64, sizeof(long), "int64"),
        _ => throw new ArgumentException($"MPI reductions take float32, float64, int32 or int64 values; got {type.Name}.", nameof(type)),
    };

    /// <summary>Ends a collective started by <see cref="Call"/>.</summary>
    private readonly struct CallScope(MpiCommunicator communicator) : IDisposable
    {
        public void Dispose()
        {
            communicator._watchdog.Exit();
            Monitor.Exit(communicator._callLock);
        }
    }
}
