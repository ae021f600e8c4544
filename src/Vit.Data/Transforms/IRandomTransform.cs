using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// A random TorchVision transform that can also draw its random numbers from a generator it is given.
/// </summary>
/// <remarks>
/// <c>call(input)</c> draws from the transform's own generator (seeded from its options), which suits
/// <c>transforms.Compose</c> and single-threaded use. The <see cref="DataLoader"/> instead calls
/// <see cref="Apply"/> with a generator seeded from (loader seed, epoch, batch index), so every batch is
/// reproducible on its own whatever thread builds it and whichever epoch training resumes from.
/// Random numbers are drawn on the CPU and moved to the input's device, so a seed gives the same result on any
/// device.
/// </remarks>
public interface IRandomTransform : torchvision.ITransform
{
    /// <summary>Applies the transform, drawing every random number from <paramref name="generator"/>.</summary>
    /// <param name="input">Images, [C, H, W] or [B, C, H, W]; never modified.</param>
    /// <param name="generator">A CPU generator.</param>
    /// <returns>A new tensor with the input's shape (or the transform's output size), dtype and device.</returns>
    Tensor Apply(Tensor input, Generator generator);
}
