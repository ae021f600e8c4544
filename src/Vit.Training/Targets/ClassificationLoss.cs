using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Vit.Training;

/// <summary>PyTorch's <c>cross_entropy</c> for class indices or class probabilities, with its label smoothing.</summary>
internal static class ClassificationLoss
{
    /// <summary>The loss of logits [B, K] against int64 [B] or probability [B, K] targets.</summary>
    /// <remarks>
    /// With probabilities and smoothing s, PyTorch trains on <c>(1 - s) * p + s / K</c>; with indices, on the one-hot
    /// row smoothed the same way. Probabilities are cast to the logits' dtype, as cross_entropy requires.
    /// </remarks>
    public static Tensor Compute(Tensor logits, Tensor targets, TargetKind kind, double labelSmoothing, nn.Reduction reduction) =>
        kind == TargetKind.Probabilities
            ? cross_entropy(logits, targets.dtype == logits.dtype ? targets : targets.to(logits.dtype), reduction: reduction, label_smoothing: labelSmoothing)
            : cross_entropy(logits, targets, reduction: reduction, label_smoothing: labelSmoothing);
}
