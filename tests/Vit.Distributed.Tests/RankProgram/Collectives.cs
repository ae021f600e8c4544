using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;
using static Vit.Distributed.Tests.RankProgram.Output;

namespace Vit.Distributed.Tests.RankProgram;

/// <summary>Every collective once, with rank-dependent inputs whose results the test knows in closed form.</summary>
internal static class Collectives
{
    public static int Run(MpiCommunicator mpi)
    {
        torch.set_num_threads(1);
        int rank = mpi.Rank;
        Emit(mpi, "size", mpi.Size);
        Emit(mpi, "library", mpi.LibraryVersion);

        using (var values = arange(5, ScalarType.Float32) + (10 * rank))
        {
            mpi.AllReduce(values);
            Emit(mpi, "float32_sum", Join(values.data<float>().ToArray()));
        }

        Span<double> doubles = [rank, -rank];
        mpi.AllReduce(doubles, ReduceOperation.Max);
        Emit(mpi, "float64_max", Join(doubles.ToArray()));

        Emit(mpi, "int64_sum", mpi.AllReduce((long)(rank + 1)));

        Span<int> ints = [rank, 7];
        mpi.AllReduce(ints, ReduceOperation.Min);
        Emit(mpi, "int32_min", Join(ints.ToArray()));

        using (var matrix = full(2, 3, rank + 1, ScalarType.Float64))
        using (var transposed = matrix.t())
        {
            mpi.AllReduce(transposed);
            Emit(mpi, "noncontiguous_sum", Join(matrix.reshape(-1).data<double>().ToArray()));
        }

        using (var counts = tensor(new long[] { rank, 1 }))
        {
            mpi.AllReduce(counts);
            Emit(mpi, "int64_tensor_sum", Join(counts.data<long>().ToArray()));
        }

        using (var big = full(3_000_000, rank + 1, ScalarType.Float32))
        {
            mpi.AllReduce(big);
            Emit(mpi, "big_sum_min_max", $"{big.min().item<float>()},{big.max().item<float>()}");
        }

        int last = mpi.Size - 1;
        using (var sent = arange(4, ScalarType.Int64) + (100 * rank))
        {
            mpi.Broadcast(sent, root: last);
            Emit(mpi, "broadcast_from_last", Join(sent.data<long>().ToArray()));
        }

        Emit(mpi, "broadcast_string", mpi.Broadcast(rank == 0 ? "from rank 0: ünïcode" : "ignored"));
        Emit(mpi, "allgather", Join(mpi.AllGather<int>([rank * 10])));

        torch.manual_seed(rank + 1);
        using (var model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)))
        {
            using (no_grad())
            {
                foreach (var buffer in model.buffers())
                {
                    buffer.fill_(rank + 0.5);
                }
            }

            Emit(mpi, "weights_before", Digest(model));
            mpi.BroadcastParameters(model);
            Emit(mpi, "weights_after", Digest(model));
        }

        mpi.VerifyIdentical("Identical settings", "lr=0.003\nbatch=128");
        Emit(mpi, "verify_identical", "passed");

        mpi.RunOnRoot("write nothing", () => Emit(mpi, "on_root", "ran"));
        try
        {
            mpi.RunOnRoot("write checkpoint 3", () => throw new IOException("disk full"));
        }
        catch (Exception e) when (e is IOException or MpiException)
        {
            Emit(mpi, "run_on_root_error", $"{e.GetType().Name}: {e.Message}");
        }

        mpi.Barrier();
        Emit(mpi, "done", "true");
        return 0;
    }

    /// <summary>A digest of every parameter's and buffer's bytes: equal digests, equal weights.</summary>
    private static string Digest(nn.Module model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tensor in model.parameters().Cast<Tensor>().Concat(model.buffers()))
        {
            hash.AppendData(tensor.bytes);
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..16];
    }
}
