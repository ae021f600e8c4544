using static TorchSharp.torch;

namespace Vit.Training.Tests;

/// <summary>
/// An in-process stand-in for a data-parallel job whose other ranks hold exactly what this one holds: an all-reduce
/// multiplies by the world size (the sum of <see cref="Size"/> equal values), a broadcast keeps this rank's values.
/// It lets one process play any rank, and counts the collectives.
/// </summary>
internal sealed class MirroredProcessGroup(int rank, int size) : IProcessGroup
{
    public int Rank => rank;

    public int Size => size;

    /// <summary>Gets the number of elements of each all-reduce, in call order.</summary>
    public List<long> AllReduces { get; } = [];

    /// <summary>Gets the descriptions passed to <see cref="VerifyIdentical"/>.</summary>
    public List<string> Verified { get; } = [];

    public void AllReduce(Tensor tensor)
    {
        AllReduces.Add(tensor.numel());
        using var noGrad = no_grad();
        tensor.mul_(size);
    }

    /// <summary>Gets the dtype and number of elements of each broadcast, in call order.</summary>
    public List<(ScalarType Dtype, long Elements)> Broadcasts { get; } = [];

    public void Broadcast(Tensor tensor, int root) => Broadcasts.Add((tensor.dtype, tensor.numel()));

    public void VerifyIdentical(string description, string value) => Verified.Add(description);

    public void RunOnRoot(string description, Action action)
    {
        if (rank == 0)
        {
            action();
        }
    }

    public void RunOnEveryRank(string description, Action action) => action();
}
