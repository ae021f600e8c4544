using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Measures mean cross-entropy (no label smoothing), top-1 and top-5 accuracy over one pass of
    /// <paramref name="loader"/> (its epoch 0), in eval mode without gradients. The device is waited for once, at the end.
    /// </summary>
    /// <param name="loader">The evaluation data.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The figures over every image of the pass.</returns>
    /// <exception cref="ArgumentException">A batch does not fit the model.</exception>
    public EvaluationResult Evaluate(DataLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return EvaluateBatches(loader.Epoch(0, cancellationToken).Select(b => (b.Images, b.Labels)));
    }

    /// <summary>Measures loss, top-1 and top-5 accuracy on one batch (see <see cref="Evaluate(DataLoader, CancellationToken)"/>).</summary>
    /// <param name="images">Float images [B, C, H, W] matching the model.</param>
    /// <param name="labels">Class indices [B], int64, in [0, NumClasses).</param>
    /// <returns>The figures over the batch.</returns>
    public EvaluationResult Evaluate(Tensor images, Tensor labels) => EvaluateBatches([(images, labels)]);

    private EvaluationResult EvaluateBatches(IEnumerable<(Tensor Images, Tensor Labels)> batches)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool wasTraining = Model.training;
        int topK = Math.Min(5, _modelOptions.NumClasses);
        using var outer = NewDisposeScope();
        // Running sums stay on the device so that no batch waits for it.
        var lossSum = zeros(1, ScalarType.Float64, _device);
        var top1 = zeros(1, ScalarType.Int64, _device);
        var topKHits = zeros(1, ScalarType.Int64, _device);
        long count = 0;
        try
        {
            Model.eval();
            using var noGrad = no_grad();
            foreach (var (images, labels) in batches)
            {
                int n = CheckBatch(images, labels, divisor: 1);
                using var scope = NewDisposeScope();
                var y = labels.to(_device);
                var logits = Model.call(images.to(_device));
                lossSum.add_(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64));
                var hits = logits.topk(topK, dim: 1).indexes.eq(y.unsqueeze(1));
                top1.add_(hits.select(1, 0).sum());
                topKHits.add_(hits.any(1).sum());
                count += n;
            }
        }
        finally
        {
            Model.train(wasTraining);
        }

        if (count == 0)
        {
            throw new ArgumentException("The evaluation data yielded no image.", nameof(batches));
        }

        var totals = cat([lossSum, top1.to(ScalarType.Float64), topKHits.to(ScalarType.Float64)]).cpu().data<double>().ToArray();
        return new EvaluationResult(totals[0] / count, totals[1] / count, totals[2] / count, checked((int)count));
    }
}
