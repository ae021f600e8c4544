using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// One evaluation pass: eval mode, no gradients, the trainer's precision (as timm's validate runs under its autocast), mean cross-entropy (no label smoothing), top-1 and top-5 accuracy
/// (top-K when the model has fewer classes), summed on the device (<see cref="EvaluationTotals"/>).
/// </summary>
/// <remarks>
/// Class probabilities as targets count as their most probable class for accuracy; the loss is the cross-entropy
/// against the probabilities. The model's training mode is restored afterwards, whatever happens.
/// </remarks>
internal sealed class Evaluator(nn.Module<Tensor, Tensor> model, Device device, BatchChecks checks, ScalarType precision)
{
    /// <summary>Runs the model over every batch and returns the sums (the caller owns them).</summary>
    public EvaluationTotals Accumulate(IEnumerable<(Tensor Images, Tensor Targets)> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        bool wasTraining = model.training;
        var totals = new EvaluationTotals(device);
        try
        {
            model.eval();
            using var noGrad = no_grad();
            using var autocast = Vit.Core.Autocast.Enable(precision);
            foreach (var (images, targets) in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = checks.Check(images, targets, divisor: 1, classification: true);
                using var scope = NewDisposeScope();
                var logits = ModelCall.Run(model, images.to(device));
                if (precision != ScalarType.Float32 && logits.dtype is ScalarType.BFloat16 or ScalarType.Float16)
                {
                    logits = logits.to(ScalarType.Float32);
                }

                BatchChecks.CheckLogits(logits, batch.Count, targets, batch);
                long classes = logits.shape[1];
                var y = targets.to(device);
                if (batch.LabelsOnDevice)
                {
                    totals.TrackLabelRange(y, classes);
                    using var min = 0.ToScalar();
                    using var max = (classes - 1).ToScalar();
                    y = y.clamp(min, max);
                }

                var loss = ClassificationLoss.Compute(logits, y, batch.Kind, labelSmoothing: 0, nn.Reduction.Sum);
                var classIndices = batch.Kind == TargetKind.Probabilities ? y.argmax(1) : y;
                var top = logits.topk((int)Math.Min(EvaluationResult.MaxTopK, classes), dim: 1).indexes;
                var hits = top.narrow(1, 0, Math.Min(5, classes)).eq(classIndices.unsqueeze(1));
                totals.Add(loss, hits.select(1, 0).sum(), hits.any(1).sum(), batch.Count);
                totals.AddDetail(top, classIndices, classes);
            }
        }
        catch
        {
            totals.Dispose();
            throw;
        }
        finally
        {
            model.train(wasTraining);
        }

        return totals;
    }

    /// <summary>Runs the model over every batch (eval mode, no gradients, the trainer's precision) and returns each image's logits as float32 rows.</summary>
    public List<float[]> Logits(IEnumerable<Tensor> batches, CancellationToken cancellationToken)
    {
        var rows = new List<float[]>();
        bool wasTraining = model.training;
        try
        {
            model.eval();
            using var noGrad = no_grad();
            using var autocast = Vit.Core.Autocast.Enable(precision);
            foreach (var images in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var logits = ModelCall.Run(model, images.to(device)).to(ScalarType.Float32).cpu();
                int classes = (int)logits.shape[1];
                var values = logits.contiguous().data<float>().ToArray();
                for (int i = 0; i < logits.shape[0]; i++)
                {
                    rows.Add(values.AsSpan(i * classes, classes).ToArray());
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return rows;
    }
}
