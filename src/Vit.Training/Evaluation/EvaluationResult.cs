namespace Vit.Training;

/// <summary>What <see cref="Trainer.Evaluate(Vit.Data.BatchLoader, System.Threading.CancellationToken)"/> measured.</summary>
/// <param name="Loss">Mean cross-entropy over the images (no label smoothing).</param>
/// <param name="Top1Accuracy">Fraction of images whose highest logit is the label, in [0, 1].</param>
/// <param name="Top5Accuracy">Fraction of images whose label is among the five highest logits (all of them when there are fewer classes).</param>
/// <param name="Count">Number of images evaluated.</param>
public sealed record EvaluationResult(double Loss, double Top1Accuracy, double Top5Accuracy, int Count)
{
    /// <summary>The largest k <see cref="TopKAccuracy"/> reports.</summary>
    public const int MaxTopK = 10;

    /// <summary>
    /// Gets top-k accuracy for k = 1 .. min(<see cref="MaxTopK"/>, classes): element k - 1 is the fraction of images
    /// whose label is among the k highest logits (so element 0 is <see cref="Top1Accuracy"/>).
    /// </summary>
    public IReadOnlyList<double> TopKAccuracy { get; init; } = [];

    /// <summary>
    /// Gets the confusion matrix of the top-1 predictions (rows: labels, columns: predictions), with per-class
    /// precision, recall and F1 (<see cref="ConfusionMatrix.PerClass"/>); <see langword="null"/> when built by hand.
    /// </summary>
    public ConfusionMatrix? ConfusionMatrix { get; init; }

    /// <summary>Gets per-class precision, recall, F1 and support (empty without a <see cref="ConfusionMatrix"/>).</summary>
    public IReadOnlyList<ClassMetrics> PerClass => ConfusionMatrix?.PerClass ?? [];

    /// <inheritdoc />
    public bool Equals(EvaluationResult? other) =>
        other is not null && Loss.Equals(other.Loss) && Top1Accuracy.Equals(other.Top1Accuracy) && Top5Accuracy.Equals(other.Top5Accuracy)
        && Count == other.Count && TopKAccuracy.SequenceEqual(other.TopKAccuracy) && Equals(ConfusionMatrix, other.ConfusionMatrix);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Loss, Top1Accuracy, Top5Accuracy, Count, TopKAccuracy.Count, ConfusionMatrix);
}
