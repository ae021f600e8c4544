using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// A random TorchVision transform that can also draw its random numbers from streams or a generator it is given.
/// </summary>
/// <remarks>
/// <c>call(input)</c> draws from the transform's own generator (seeded from its options), which suits
/// <c>transforms.Compose</c> and single-threaded use. The <see cref="BatchLoader"/> instead calls
/// <see cref="Apply(Tensor, SampleStreams)"/> with one stream per sample keyed by (loader seed, epoch, the
/// sample's dataset index), so a sample's augmentation does not depend on the thread that builds its batch, on the
/// epoch training resumes from, or on which other samples share its batch (a global batch sharded across processes
/// is augmented exactly as in one process). Random numbers are drawn on the host and moved to the input's device,
/// so a seed gives the same result on any device.
/// </remarks>
public interface IRandomTransform : torchvision.ITransform
{
    /// <summary>Applies the transform, drawing every random number from <paramref name="generator"/>.</summary>
    /// <param name="input">Images, [C, H, W] or [B, C, H, W]; never modified.</param>
    /// <param name="generator">A CPU generator.</param>
    /// <returns>A new tensor with the input's shape (or the transform's output size), dtype and device.</returns>
    Tensor Apply(Tensor input, Generator generator);

    /// <summary>Applies the transform, drawing image b's random numbers only from <paramref name="streams"/>' sample b.</summary>
    /// <param name="input">Images, [C, H, W] (one stream) or [B, C, H, W] (B streams); never modified.</param>
    /// <param name="streams">One stream per image.</param>
    /// <returns>A new tensor with the input's shape (or the transform's output size), dtype and device.</returns>
    Tensor Apply(Tensor input, SampleStreams streams);
}
