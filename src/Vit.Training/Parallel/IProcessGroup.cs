using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// The processes of a data-parallel job as a <see cref="Trainer"/> sees them (PyTorch's <c>ProcessGroup</c>): each
/// process (a rank) holds a replica of the model and trains on its share of every global batch. Vit.Distributed's
/// <c>MpiCommunicator</c> implements it over Open MPI; Vit.Training itself needs no MPI.
/// </summary>
/// <remarks>
/// Every member is a collective: every rank calls it, in the same order, with tensors of the same shape and dtype.
/// A rank that stops calling them (it died, hung, or took another path) leaves the others waiting, so an
/// implementation must end the job in bounded time then (Vit.Distributed: a watchdog and <c>MPI_Abort</c>).
/// </remarks>
public interface IProcessGroup
{
    /// <summary>Gets this process's rank, in [0, <see cref="Size"/>); rank 0 writes the files.</summary>
    int Rank { get; }

    /// <summary>Gets the number of processes.</summary>
    int Size { get; }

    /// <summary>Sums <paramref name="tensor"/> element by element across the ranks, in place, on every rank.</summary>
    /// <param name="tensor">A float32 or float64 tensor (int32/int64 too), the same shape on every rank.</param>
    void AllReduce(Tensor tensor);

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="tensor"/> to every rank, in place.</summary>
    /// <param name="tensor">The root's values, or the tensor that receives them; any dtype (the trainer broadcasts the
    /// model's buffers after every update, BatchNorm's int64 <c>num_batches_tracked</c> among them).</param>
    /// <param name="root">The rank whose values every rank ends up with.</param>
    void Broadcast(Tensor tensor, int root);

    /// <summary>
    /// Checks that every rank holds the same <paramref name="value"/>; when one differs, every rank throws the same
    /// exception naming the first differing line and the ranks.
    /// </summary>
    /// <param name="description">What the values are, as a plural noun phrase ("Trainer settings").</param>
    /// <param name="value">This rank's value; one setting per line gives the clearest message.</param>
    void VerifyIdentical(string description, string value);

    /// <summary>
    /// Runs <paramref name="action"/> on rank 0 only (writing a file) and tells every rank how it went: when it throws,
    /// rank 0 rethrows and every other rank throws an exception with its message.
    /// </summary>
    /// <param name="description">What the action does ("write checkpoint 3").</param>
    /// <param name="action">The work.</param>
    void RunOnRoot(string description, Action action);

    /// <summary>
    /// Runs <paramref name="action"/> on every rank and tells every rank how it went: when it throws on any rank, that
    /// rank rethrows its exception and every other rank throws an exception naming the failed rank and its message,
    /// so that no rank goes on to wait for one that stopped.
    /// </summary>
    /// <param name="description">What the action does ("load checkpoint 'a.safetensors'").</param>
    /// <param name="action">The work.</param>
    void RunOnEveryRank(string description, Action action);
}
