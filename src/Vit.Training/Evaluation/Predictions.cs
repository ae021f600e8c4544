namespace Vit.Training;

/// <summary>
/// What <see cref="Trainer.Predict(Vit.Data.BatchLoader, System.Threading.CancellationToken)"/> computed: each image's
/// logits and softmax probabilities, in the order the images came.
/// </summary>
public sealed class Predictions
{
    private readonly float[][] _logits;
    private readonly float[][] _probabilities;
    private readonly long[]? _labels;

    internal Predictions(float[][] logits, float[][] probabilities, long[]? labels)
    {
        _logits = logits;
        _probabilities = probabilities;
        _labels = labels;
    }

    /// <summary>Gets the number of images.</summary>
    public int Count => _logits.Length;

    /// <summary>Gets the number of classes (the logits' width); 0 when there was no image.</summary>
    public int NumClasses => _logits.Length == 0 ? 0 : _logits[0].Length;

    /// <summary>Gets whether <see cref="Label"/> is known (predictions over a loader carry its class labels).</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>Gets image <paramref name="index"/>'s logits (float32, the model's output cast if it ran in lower precision).</summary>
    /// <param name="index">The image, in input order.</param>
    /// <returns>One logit per class.</returns>
    public IReadOnlyList<float> Logits(int index) => _logits[index];

    /// <summary>Gets image <paramref name="index"/>'s class probabilities (softmax of its logits, computed in float32).</summary>
    /// <param name="index">The image, in input order.</param>
    /// <returns>One probability per class, summing to 1.</returns>
    public IReadOnlyList<float> Probabilities(int index) => _probabilities[index];

    /// <summary>Gets image <paramref name="index"/>'s top-1 class (the first of equal highest logits).</summary>
    /// <param name="index">The image, in input order.</param>
    /// <returns>The class index.</returns>
    public int PredictedClass(int index)
    {
        var row = _logits[index];
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>Gets image <paramref name="index"/>'s class label from the loader.</summary>
    /// <param name="index">The image, in input order.</param>
    /// <returns>The label.</returns>
    /// <exception cref="InvalidOperationException">The predictions were made from images without labels.</exception>
    public long Label(int index) => _labels is null
        ? throw new InvalidOperationException("These predictions were made from images alone; predict over a BatchLoader to keep its labels.")
        : _labels[index];
}
