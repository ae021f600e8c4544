using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// A labelled image classification dataset of fixed-size images, read in batches.
/// </summary>
/// <remarks>
/// Implementations must allow <see cref="GetBatch"/> to be called from several threads at once: the
/// <see cref="BatchLoader"/> prefetches on background threads.
/// </remarks>
public interface IImageDataset
{
    /// <summary>Gets the number of samples (N).</summary>
    int Count { get; }

    /// <summary>Gets the number of channels per image (C): 1 for grayscale, 3 for RGB.</summary>
    int Channels { get; }

    /// <summary>Gets the image height in pixels (H).</summary>
    int Height { get; }

    /// <summary>Gets the image width in pixels (W).</summary>
    int Width { get; }

    /// <summary>Gets the class names, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Gets the label of one sample without reading its image.</summary>
    /// <param name="index">Sample index in [0, <see cref="Count"/>).</param>
    /// <returns>The class index in [0, ClassNames.Count).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the dataset.</exception>
    int GetLabel(int index);

    /// <summary>
    /// Reads the samples at <paramref name="indices"/>, in that order, into new CPU tensors owned by the caller.
    /// </summary>
    /// <param name="indices">Sample indices, each in [0, <see cref="Count"/>); repeats are allowed.</param>
    /// <returns>Images as uint8 [B, C, H, W] (0–255) and labels as int64 [B].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    (Tensor Images, Tensor Labels) GetBatch(ReadOnlySpan<int> indices);
}
