namespace Vit.Training;

/// <summary>One class's figures from a <see cref="ConfusionMatrix"/> (scikit-learn's <c>precision_recall_fscore_support</c> with <c>zero_division=0</c>).</summary>
/// <param name="ClassIndex">The class.</param>
/// <param name="Precision">Of the images predicted as this class, the fraction that are; 0 when none was predicted.</param>
/// <param name="Recall">Of the images of this class, the fraction predicted as it; 0 when there was none.</param>
/// <param name="F1">The harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="Support">The number of images of this class.</param>
public sealed record ClassMetrics(int ClassIndex, double Precision, double Recall, double F1, long Support);
