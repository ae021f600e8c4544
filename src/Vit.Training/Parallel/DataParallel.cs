using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// What a <see cref="Trainer"/> does with its <see cref="IProcessGroup"/>: starts every replica from rank 0's
/// weights, averages the ranks' gradients with one all-reduce per update, agrees on stopping, sums evaluation
/// counts, and checks (and restores) that the replicas stay bit-identical.
/// </summary>
internal sealed class DataParallel(IProcessGroup group)
{
    /// <summary>Gets the process group.</summary>
    public IProcessGroup Group { get; } = group;

    /// <summary>Gets this rank.</summary>
    public int Rank => Group.Rank;

    /// <summary>Gets the number of ranks.</summary>
    public int Size => Group.Size;

    /// <summary>Gets whether this is rank 0, the one that writes files and logs.</summary>
    public bool IsRoot => Group.Rank == 0;

    /// <summary>
    /// Checks that every rank was built alike (options, trained parameters, device type) and gives every rank rank 0's
    /// weights: the flat parameter buffer in one broadcast, then the model's other parameters and buffers.
    /// </summary>
    /// <exception cref="ArgumentException">The parameters' dtype cannot be all-reduced (not float32 or float64).</exception>
    public void Join(nn.Module model, TrainerOptions options, FlatAdamW flat)
    {
        var description = new StringBuilder();
        description.Append(CultureInfo.InvariantCulture, $"world size {Size}, device type {flat.Parameters.device_type}\n");
        description.Append(System.Text.Json.JsonSerializer.Serialize(options, IndentedJson)).Append('\n');
        foreach (var (name, parameter, _) in flat.Layout)
        {
            description.Append(CultureInfo.InvariantCulture, $"trained {name}: {parameter.dtype} [{string.Join(", ", parameter.shape)}]\n");
        }

        var others = OtherState(model, flat);
        foreach (var (name, tensor) in others)
        {
            description.Append(CultureInfo.InvariantCulture, $"state {name}: {tensor.dtype} [{string.Join(", ", tensor.shape)}]\n");
        }

        Group.VerifyIdentical("Trainer settings (world size, TrainerOptions, the model's parameters and buffers)", description.ToString());
        if (flat.Parameters.dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException(
                $"Data-parallel training all-reduces the gradients in the parameters' dtype, which must be float32 or float64; the model's is {flat.Parameters.dtype}. Keep float32 weights (mixed precision computes in 16 bits under Autocast).",
                nameof(model));
        }

        using var noGrad = no_grad();
        Group.Broadcast(flat.Parameters, 0);
        foreach (var (_, tensor) in others)
        {
            Group.Broadcast(tensor, 0);
        }
    }

    /// <summary>
    /// Sums every rank's gradients and batch statistics in one all-reduce of <see cref="FlatAdamW.ReductionBuffer"/>
    /// and divides by the world size: the gradient of the mean loss over the global batch, on every rank alike.
    /// </summary>
    /// <param name="flat">The buffers, with this rank's gradients in <see cref="FlatAdamW.Gradients"/>.</param>
    /// <param name="localLoss">This rank's mean loss (a scalar on the device).</param>
    /// <param name="localCount">This rank's number of images.</param>
    /// <returns>The mean loss over the global batch and the ranks' mean image count (scalars on the device, views of the tail).</returns>
    public (Tensor Loss, Tensor MeanCount) AverageGradients(FlatAdamW flat, Tensor localLoss, int localCount)
    {
        using var noGrad = no_grad();
        var tail = flat.ReductionTail;
        tail.copy_(stack([localLoss.to(tail.dtype).reshape([]), tensor((double)localCount, tail.dtype, tail.device)]));
        Group.AllReduce(flat.ReductionBuffer);
        using var size = Size.ToScalar();
        flat.ReductionBuffer.div_(size);
        return (tail[0], tail[1]);
    }

    /// <summary>
    /// Gives every rank rank 0's buffers (BatchNorm's running statistics, which each rank moved with its own share of
    /// the batch; any dtype, the int64 batch count too), as PyTorch's DistributedDataParallel does with
    /// <c>broadcast_buffers</c>; nothing for a model without buffers. Called after every update, applied or skipped.
    /// </summary>
    public void BroadcastBuffers(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (_, buffer) in model.named_buffers())
        {
            Group.Broadcast(buffer, 0);
        }
    }

    /// <summary>Throws unless every rank trained on as many images as this one (the equal shares a mean of means needs).</summary>
    /// <exception cref="ArgumentException">The shares differ.</exception>
    public void ThrowIfUnequalShares(double meanCount, int localCount, string parameterName)
    {
        if (meanCount != localCount)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Data-parallel ranks must train on equal shares of each global batch: rank {Rank} of {Size} has {localCount} images where the ranks' mean is {meanCount:G6}. Give every rank GlobalBatchSize / {Size} images (Fit(BatchLoader) shards a loader's batches itself)."),
                parameterName);
        }
    }

    /// <summary>Returns whether any rank passed <see langword="true"/> for each flag (one small all-reduce).</summary>
    public (bool Stop, bool Cancel) AnyRank(bool stop, bool cancel)
    {
        using var scope = NewDisposeScope();
        var flags = tensor(new[] { stop ? 1.0 : 0.0, cancel ? 1.0 : 0.0 }, ScalarType.Float64);
        Group.AllReduce(flags);
        var sums = flags.data<double>().ToArray();
        return (sums[0] > 0, sums[1] > 0);
    }

    /// <summary>Sums an evaluation pass's totals (loss sum, hits, images) across the ranks, in place.</summary>
    public void SumTotals(Tensor sums) => Group.AllReduce(sums);

    /// <summary>This rank's share of an evaluation loader's batches (any batch may split unevenly: counts are summed).</summary>
    public IEnumerable<Batch> EvaluationShare(BatchLoader loader, CancellationToken cancellationToken) =>
        ShardedBatchSampler.ForEvaluation(loader, Rank, Size).Epoch(0, cancellationToken);

    /// <summary>Every rank's value of <paramref name="own"/> (the same shape and dtype on every rank), in rank order.</summary>
    public List<Tensor> Gather(Tensor own)
    {
        var all = new List<Tensor>(Size);
        for (int rank = 0; rank < Size; rank++)
        {
            var value = rank == Rank ? own.clone() : empty_like(own);
            Group.Broadcast(value, rank);
            all.Add(value);
        }

        return all;
    }

    /// <summary>
    /// Checks that every replica still holds rank 0's weights bit for bit (an exact integer checksum of the flat
    /// parameters) and, where one does not, broadcasts rank 0's weights, AdamW moments, EMA and buffers to every rank.
    /// Identical arithmetic keeps replicas identical; hosts whose CPUs or thread counts round differently may not.
    /// </summary>
    /// <returns>The ranks that differed (empty when the replicas agreed).</returns>
    public IReadOnlyList<int> Resynchronize(nn.Module model, FlatAdamW flat, ModelEma? ema)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var checksums = Gather(tensor(new[] { Checksum(flat.Parameters) }));
        long root = checksums[0].item<long>();
        var differing = Enumerable.Range(1, Size - 1).Where(r => checksums[r].item<long>() != root).ToList();
        if (differing.Count == 0)
        {
            return differing;
        }

        var tensors = new List<Tensor> { flat.Parameters, flat.FirstMoments, flat.SecondMoments };
        tensors.AddRange(OtherState(model, flat).Select(s => s.Tensor));
        if (ema is not null)
        {
            tensors.Add(ema.Average);
            tensors.AddRange(ema.Buffers.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => b.Value));
        }

        foreach (var tensor in tensors)
        {
            Group.Broadcast(tensor, 0);
        }

        return differing;
    }

    /// <summary>
    /// An exact checksum of a tensor's bits: its 32-bit words summed as 64-bit integers (any change of one value
    /// changes it; identical tensors give identical sums on any machine).
    /// </summary>
    public static long Checksum(Tensor values)
    {
        using var scope = NewDisposeScope();
        var host = values.detach().cpu().contiguous();
        long sum = 0;
        foreach (int word in MemoryMarshal.Cast<byte, int>(host.bytes))
        {
            sum += word;
        }

        return sum;
    }

    /// <summary>The model's parameters that are not trained (frozen) and its buffers, by name, in a fixed order.</summary>
    private static List<(string Name, Tensor Tensor)> OtherState(nn.Module model, FlatAdamW flat)
    {
        var trained = flat.Layout.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. model.named_parameters().Where(p => !trained.Contains(p.name)).Select(p => ("parameter " + p.name, (Tensor)p.parameter)),
            .. model.named_buffers().Select(b => ("buffer " + b.name, b.buffer)),
        ];
    }

    private static readonly System.Text.Json.JsonSerializerOptions IndentedJson = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
