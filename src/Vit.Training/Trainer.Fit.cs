using System.Globalization;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs over <paramref name="train"/>, one update per batch on its
    /// <see cref="Batch.Targets"/>, continuing from <see cref="Epoch"/> / <see cref="BatchInEpoch"/> (0 for a new run, or
    /// where a loaded checkpoint left off). Evaluates on <paramref name="validation"/>'s labels (and the EMA weights, when
    /// on) every <see cref="TrainerOptions.EvaluateEveryEpochs"/> epochs and after the last, reports progress, calls the
    /// <see cref="Callbacks"/>, appends metrics and writes checkpoints as the options say.
    /// </summary>
    /// <remarks>
    /// With a <see cref="ProcessGroup"/> every rank calls it with the same loaders (same dataset, batch size, seed; the
    /// ranks check): the loader's batch is the global batch and this rank trains on its contiguous share of each
    /// (<see cref="ShardedBatchSampler"/>), augmented exactly as in the whole batch; evaluation is sharded too and its
    /// counts summed. Only rank 0 writes the metrics CSV and the checkpoints.
    /// </remarks>
    /// <param name="train">The training batches; epoch k's order and augmentations depend only on its seed and k.</param>
    /// <param name="validation">Evaluation data, or <see langword="null"/>.</param>
    /// <param name="progress">Receives step and epoch reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between updates (throws <see cref="OperationCanceledException"/>; with a
    /// <see cref="ProcessGroup"/>, on every rank once any rank's token is cancelled).</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="ArgumentException">The loader's batches cannot be split into equal micro-batches (or, with a
    /// <see cref="ProcessGroup"/>, into equal shares per rank).</exception>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <see cref="NonFiniteHandling.Throw"/>.</exception>
    public FitResult Fit(BatchLoader train, BatchLoader? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(train);
        LoaderChecks.ThrowIfSmoothedTwice(train, _options.LabelSmoothing);
        Func<int, int, IEnumerable<(Tensor Images, Tensor Targets)>> epochBatches;
        if (_parallel is { } parallel)
        {
            parallel.Group.VerifyIdentical(
                "The training and validation loaders (samples, batch size, seed, shuffle, drop last, batches per epoch)",
                LoaderChecks.Describe("train", train) + (validation is null ? "validation none\n" : LoaderChecks.Describe("validation", validation)));
            ShardedBatchSampler? shard = null;
            // The same checks fail alike on every rank; any failure reaches every rank, so none waits for another.
            parallel.Group.RunOnEveryRank("check the training loader against the world size", () =>
            {
                shard = new ShardedBatchSampler(train, parallel.Rank, parallel.Size);
                LoaderChecks.ThrowIfNotAccumulable(train, _options.AccumulationSteps, parallel.Size);
            });
            epochBatches = (epoch, start) => shard!.Epoch(epoch, start, cancellationToken).Select(b => (b.Images, b.Targets));
        }
        else
        {
            LoaderChecks.ThrowIfNotAccumulable(train, _options.AccumulationSteps, worldSize: 1);
            epochBatches = (epoch, start) => train.Epoch(epoch, start, cancellationToken).Select(b => (b.Images, b.Targets));
        }

        FixSchedule(train.BatchSize, train.BatchesPerEpoch);
        return new FitLoop(this, cancellationToken).Run(
            epochBatches,
            train.BatchesPerEpoch,
            validation is null ? null : LoaderLabels(validation, cancellationToken),
            progress);
    }

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> passes over batches of your own, one update per batch (see
    /// <see cref="Fit(BatchLoader, BatchLoader?, IProgress{TrainingProgress}?, CancellationToken)"/> for the rest).
    /// </summary>
    /// <param name="train">Pairs of inputs and targets (class indices or probabilities; anything with B rows for a custom
    /// <see cref="Loss"/>), enumerated once per epoch. The caller owns the tensors. To resume mid-epoch exactly, it must
    /// yield the same batches in the same order every pass (the first <see cref="BatchInEpoch"/> are passed over). With
    /// a <see cref="ProcessGroup"/>: this rank's equal shares, as many batches on every rank, and
    /// <paramref name="validation"/> this rank's part of the evaluation data (the counts are summed).</param>
    /// <param name="validation">Evaluation batches (class indices or probabilities), or <see langword="null"/>.</param>
    /// <param name="progress">Receives step and epoch reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between updates (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="InvalidOperationException">The schedule needs the epoch length (<see cref="TrainerOptions.TotalSteps"/>
    /// 0 or <see cref="TrainerOptions.WarmupEpochs"/> set) and <paramref name="train"/> cannot say it without being enumerated.</exception>
    /// <exception cref="ArgumentException">A batch does not fit the model or options (checked before its update).</exception>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <see cref="NonFiniteHandling.Throw"/>.</exception>
    public FitResult Fit(IEnumerable<(Tensor Images, Tensor Targets)> train, IEnumerable<(Tensor Images, Tensor Targets)>? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(train);
        int? batchesPerEpoch = train.TryGetNonEnumeratedCount(out int count) ? count : null;
        bool needsLength = _options.WarmupEpochs > 0 || (_options.TotalSteps == 0 && _options.LearningRateDecay != LearningRateDecay.Constant);
        if (Schedule is null && batchesPerEpoch is null && needsLength)
        {
            throw new InvalidOperationException(
                "Fit over a sequence whose length is unknown until enumerated needs the schedule's length: set TrainerOptions.TotalSteps (and WarmupSteps rather than WarmupEpochs), or pass a collection (an array or List) of batches.");
        }

        _parallel?.Group.VerifyIdentical(
            "The training batches per epoch (Fit over batches of your own)",
            batchesPerEpoch?.ToString(CultureInfo.InvariantCulture) ?? "unknown");
        return new FitLoop(this, cancellationToken).Run((_, start) => start == 0 ? train : train.Skip(start), batchesPerEpoch, validation, progress);
    }
}
