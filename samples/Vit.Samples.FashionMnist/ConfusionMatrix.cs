using Vit.Core;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Samples.FashionMnist;

/// <summary>Counts of (true class, predicted class) over a dataset.</summary>
internal sealed class ConfusionMatrix
{
    public ConfusionMatrix(long[,] counts, IReadOnlyList<string> classNames)
    {
        Counts = counts;
        ClassNames = classNames;
    }

    /// <summary>Gets the counts, [true, predicted].</summary>
    public long[,] Counts { get; }

    /// <summary>Gets the class names by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Gets the number of images counted.</summary>
    public long Total => Counts.Cast<long>().Sum();

    /// <summary>Gets the fraction on the diagonal (top-1 accuracy).</summary>
    public double Accuracy => (double)Enumerable.Range(0, ClassNames.Count).Sum(i => Counts[i, i]) / Math.Max(1, Total);

    /// <summary>Classifies every batch of <paramref name="loader"/> (its epoch 0) in eval mode and counts the outcomes.</summary>
    public static ConfusionMatrix Measure(VisionTransformer model, BatchLoader loader, IReadOnlyList<string> classNames)
    {
        int n = classNames.Count;
        var counts = new long[n, n];
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                var predicted = model.call(batch.Images).argmax(1).cpu().data<long>().ToArray();
                var truth = batch.Labels.cpu().data<long>().ToArray();
                for (int i = 0; i < truth.Length; i++)
                {
                    counts[truth[i], predicted[i]]++;
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return new ConfusionMatrix(counts, classNames);
    }
}
