using System.Globalization;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>Data parallelism inside Fit: rank-0 work, agreeing on a stop, resynchronising replicas, describing loaders for the cross-rank check.</summary>
public sealed partial class Trainer
{
    /// <summary>Runs <paramref name="action"/> here, or on rank 0 only (every rank learning whether it failed).</summary>
    private void RunOnRoot(string description, Action action)
    {
        if (_parallel is null)
        {
            action();
        }
        else
        {
            _parallel.Group.RunOnRoot(description, action);
        }
    }

    /// <summary>Data parallelism: every rank stops (or is cancelled) once any rank asked, so none waits for the others.</summary>
    private void AgreeOnStop(CancellationToken cancellationToken)
    {
        if (_parallel is null)
        {
            return;
        }

        var (stop, cancel) = _parallel.AnyRank(_stopRequested, cancellationToken.IsCancellationRequested);
        _stopRequested = stop;
        if (cancel)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new OperationCanceledException("Another rank of the data-parallel job was cancelled.");
        }
    }

    /// <summary>Data parallelism: checks at each epoch's end that the replicas are still bit-identical, and makes them so.</summary>
    private void ResynchronizeReplicas(int epoch)
    {
        if (_parallel is null)
        {
            return;
        }

        var differing = _parallel.Resynchronize(Model, _flat, _ema);
        if (differing.Count > 0)
        {
            TrainerLog.ReplicasResynchronized(_logger, epoch, string.Join(", ", differing));
        }
    }

    private static string DescribeLoader(string role, BatchLoader loader) => string.Create(
        CultureInfo.InvariantCulture,
        $"{role} samples {loader.Dataset.Count}\n{role} batch size {loader.BatchSize}\n{role} seed {loader.Seed} (BatchLoaderOptions.Seed: set it, or each process picks its own)\n{role} shuffle {loader.Shuffle}\n{role} drop last {loader.DropLast}\n{role} batches per epoch {loader.BatchesPerEpoch}\n");
}
