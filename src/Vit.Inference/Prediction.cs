namespace Vit.Inference;

/// <summary>One class of a classification result.</summary>
/// <param name="Label">The class name from <c>config.json</c>'s <c>label_names</c>.</param>
/// <param name="ClassIndex">The class index (the position in the logits).</param>
/// <param name="Probability">The softmax probability, in [0, 1].</param>
public sealed record Prediction(string Label, int ClassIndex, double Probability);
