using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Runs the model over one pass of <paramref name="loader"/> (its epoch 0: make it with <c>Shuffle = false</c> for the
    /// dataset's order) in eval mode without gradients, in <see cref="TrainerOptions.Precision"/> as
    /// <see cref="Evaluate(BatchLoader, CancellationToken)"/> does, and returns every image's logits, probabilities and label.
    /// </summary>
    /// <param name="loader">The images.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The predictions, in the loader's order.</returns>
    /// <exception cref="InvalidOperationException">The trainer is data-parallel (each rank sees only its share), or the model's parameters were replaced.</exception>
    public Predictions Predict(BatchLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var labels = new List<long>();
        var logits = PredictLogits(loader.Epoch(0, cancellationToken).Select(b => { labels.AddRange(b.Labels.data<long>().ToArray()); return b.Images; }), cancellationToken);
        return ToPredictions(logits, [.. labels]);
    }

    /// <summary>Predicts batches of images of your own (see <see cref="Predict(BatchLoader, CancellationToken)"/>).</summary>
    /// <param name="images">Batches of the model's input; the caller owns them.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    /// <returns>The predictions, in input order, without labels.</returns>
    public Predictions Predict(IEnumerable<Tensor> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return ToPredictions(PredictLogits(images, cancellationToken), labels: null);
    }

    private List<float[]> PredictLogits(IEnumerable<Tensor> batches, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_parallel is not null)
        {
            throw new InvalidOperationException("Predict runs in one process: a data-parallel trainer's ranks each see only their share of the images. Predict on rank 0 with a trainer of its own, or use Evaluate for the figures.");
        }

        _trained.ThrowIfReplaced();
        return _evaluator.Logits(batches, cancellationToken);
    }

    private static Predictions ToPredictions(List<float[]> logits, long[]? labels)
    {
        var probabilities = new float[logits.Count][];
        if (logits.Count > 0)
        {
            using var scope = NewDisposeScope();
            int classes = logits[0].Length;
            var all = tensor(logits.SelectMany(r => r).ToArray(), [logits.Count, classes]).softmax(1).data<float>().ToArray();
            for (int i = 0; i < logits.Count; i++)
            {
                probabilities[i] = all.AsSpan(i * classes, classes).ToArray();
            }
        }

        return new Predictions([.. logits], probabilities, labels);
    }
}
