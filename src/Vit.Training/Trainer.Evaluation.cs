using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Measures mean cross-entropy (no label smoothing), top-1 and top-5 accuracy over one pass of
    /// <paramref name="loader"/> (its epoch 0) against its class labels, in eval mode without gradients. The device is
    /// waited for once, at the end. With a <see cref="ProcessGroup"/> every rank calls it with the same loader and
    /// evaluates its share of each batch (<see cref="ShardedBatchSampler.ForEvaluation"/>); the sums are added across
    /// the ranks, so every rank gets the figures over the whole pass.
    /// </summary>
    /// <param name="loader">The evaluation data.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The figures over every image of the pass.</returns>
    /// <exception cref="ArgumentException">A batch does not fit the model.</exception>
    public EvaluationResult Evaluate(BatchLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return Evaluate(LoaderLabels(loader, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Measures loss, top-1 and top-5 accuracy over batches of your own (see <see cref="Evaluate(BatchLoader, CancellationToken)"/>);
    /// probability targets count as their most probable class.
    /// </summary>
    /// <param name="batches">Pairs of inputs and class indices (int64 [B]) or probabilities (floating [B, K]); the caller
    /// owns them. With a <see cref="ProcessGroup"/>: this rank's part of the data (any size, even none); the sums of
    /// every rank's part are added, and every rank must call this at the same point.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The figures over every image.</returns>
    /// <exception cref="ArgumentException">A batch does not fit the model, or there was none.</exception>
    public EvaluationResult Evaluate(IEnumerable<(Tensor Images, Tensor Targets)> batches, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _trained.ThrowIfReplaced();
        return Measure(batches, cancellationToken);
    }

    /// <summary>Measures loss, top-1 and top-5 accuracy on one batch (see <see cref="Evaluate(BatchLoader, CancellationToken)"/>).</summary>
    /// <param name="images">The model's input batch.</param>
    /// <param name="targets">Class indices (int64 [B]) or probabilities (floating [B, K]).</param>
    /// <returns>The figures over the batch.</returns>
    public EvaluationResult Evaluate(Tensor images, Tensor targets) => Evaluate([(images, targets)]);

    /// <summary>
    /// Evaluates the EMA weights (see <see cref="Ema"/>) as <see cref="Evaluate(BatchLoader, CancellationToken)"/> does,
    /// with the model itself: the averaged weights are swapped in for the pass and the trained ones restored bit for bit.
    /// </summary>
    /// <param name="loader">The evaluation data.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The EMA weights' figures.</returns>
    /// <exception cref="InvalidOperationException"><see cref="TrainerOptions.EmaDecay"/> is not set.</exception>
    public EvaluationResult EvaluateEma(BatchLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return EvaluateEma(LoaderLabels(loader, cancellationToken), cancellationToken);
    }

    /// <summary>Evaluates the EMA weights over batches of your own (see <see cref="EvaluateEma(BatchLoader, CancellationToken)"/>).</summary>
    /// <param name="batches">Pairs of inputs and class indices or probabilities.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The EMA weights' figures.</returns>
    /// <exception cref="InvalidOperationException"><see cref="TrainerOptions.EmaDecay"/> is not set.</exception>
    public EvaluationResult EvaluateEma(IEnumerable<(Tensor Images, Tensor Targets)> batches, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ema = _ema ?? throw new InvalidOperationException("There is no EMA to evaluate: set TrainerOptions.EmaDecay (e.g. 0.9998) when creating the trainer.");
        _trained.ThrowIfReplaced();
        using var swapped = ema.SwapIntoModel();
        return Measure(batches, cancellationToken);
    }

    /// <summary>One evaluation pass with the model's current weights; with data parallelism, the sums of every rank's pass.</summary>
    private EvaluationResult Measure(IEnumerable<(Tensor Images, Tensor Targets)> batches, CancellationToken cancellationToken)
    {
        using var totals = _evaluator.Accumulate(batches, cancellationToken);
        if (_parallel is not null)
        {
            _parallel.SumTotals(totals.Sums);
            totals.SumDetail(_parallel.SumTotals);
        }

        return totals.ToResult(nameof(batches));
    }

    // A loader's class labels (not Targets: evaluation measures classification, never mixed targets); this rank's share
    // of each batch in a data-parallel job.
    private IEnumerable<(Tensor Images, Tensor Targets)> LoaderLabels(BatchLoader loader, CancellationToken cancellationToken) =>
        (_parallel is null ? loader.Epoch(0, cancellationToken) : _parallel.EvaluationShare(loader, cancellationToken)).Select(b => (b.Images, b.Labels));
}
