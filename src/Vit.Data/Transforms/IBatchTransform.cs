using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// A step that sees a whole batch, images and labels, after the per-image transforms, and gives the batch its
/// training targets (<see cref="Batch.Targets"/>): <see cref="Mixup"/>. The <see cref="BatchLoader"/> runs it last.
/// </summary>
public interface IBatchTransform
{
    /// <summary>Transforms one batch, drawing every random number from <paramref name="streams"/>.</summary>
    /// <param name="images">Floating-point images [B, C, H, W]; never modified.</param>
    /// <param name="labels">Class indices [B]; never modified.</param>
    /// <param name="streams">One stream per sample, and the batch's stream.</param>
    /// <returns>New images [B, C, H, W] and the targets the loss trains on ([B, K] soft targets for Mixup).</returns>
    (Tensor Images, Tensor Targets) Apply(Tensor images, Tensor labels, SampleStreams streams);
}
