namespace Vit.Training;

/// <summary>What <see cref="Trainer.Evaluate(Vit.Data.BatchLoader, System.Threading.CancellationToken)"/> measured.</summary>
/// <param name="Loss">Mean cross-entropy over the images (no label smoothing).</param>
/// <param name="Top1Accuracy">Fraction of images whose highest logit is the label, in [0, 1].</param>
/// <param name="Top5Accuracy">Fraction of images whose label is among the five highest logits (all of them when there are fewer classes).</param>
/// <param name="Count">Number of images evaluated.</param>
public sealed record EvaluationResult(double Loss, double Top1Accuracy, double Top5Accuracy, int Count);
