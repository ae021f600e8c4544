using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// A dataset held in memory as one uint8 tensor [N, C, H, W] and one int64 label tensor [N]. The IDX, CIFAR and
/// image-folder loaders return this type.
/// </summary>
public sealed class InMemoryImageDataset : IImageDataset, IDisposable
{
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly int[] _labelArray;
    private readonly string[] _classNames;

    /// <summary>Creates a dataset from raw pixels (copied).</summary>
    /// <param name="pixels">N·C·H·W bytes, sample-major, each sample channel-major (planar), rows top to bottom.</param>
    /// <param name="labels">One class index per sample, each in [0, classNames.Count).</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="classNames">The class names, indexed by label.</param>
    /// <param name="source">Where the data came from (a path), for messages.</param>
    /// <exception cref="ArgumentException">The sizes disagree or a label is out of range.</exception>
    public InMemoryImageDataset(
        ReadOnlySpan<byte> pixels,
        ReadOnlySpan<int> labels,
        int channels,
        int height,
        int width,
        IReadOnlyList<string> classNames,
        string? source = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (classNames.Count == 0)
        {
            throw new ArgumentException("At least one class name is required.", nameof(classNames));
        }

        long sampleBytes = (long)channels * height * width;
        if (pixels.Length != labels.Length * sampleBytes)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {labels.Length * sampleBytes} pixel bytes of {channels}x{height}x{width} images; got {pixels.Length}.",
                nameof(pixels));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
            {
                throw new ArgumentException(
                    $"Label {labels[i]} of sample {i}{(source is null ? "" : $" in '{source}'")} is outside [0, {classNames.Count}).",
                    nameof(labels));
            }
        }

        Channels = channels;
        Height = height;
        Width = width;
        Source = source;
        _classNames = [.. classNames];
        _labelArray = labels.ToArray();
        _images = tensor(pixels.ToArray(), [labels.Length, channels, height, width], ScalarType.Byte).DetachFromDisposeScope();
        _labels = tensor(Array.ConvertAll(_labelArray, l => (long)l), [labels.Length], ScalarType.Int64).DetachFromDisposeScope();
    }

    /// <inheritdoc/>
    public int Count => _labelArray.Length;

    /// <inheritdoc/>
    public int Channels { get; }

    /// <inheritdoc/>
    public int Height { get; }

    /// <inheritdoc/>
    public int Width { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>Gets where the data came from (a path or list of paths), or <see langword="null"/>.</summary>
    public string? Source { get; }

    /// <summary>Gets every image, uint8 [N, C, H, W], owned by the dataset (do not dispose or modify it).</summary>
    public Tensor Images => _images;

    /// <summary>Gets every label, int64 [N], owned by the dataset (do not dispose or modify it).</summary>
    public Tensor Labels => _labels;

    /// <inheritdoc/>
    public int GetLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _labelArray[index];
    }

    /// <inheritdoc/>
    public (Tensor Images, Tensor Labels) GetBatch(ReadOnlySpan<int> indices)
    {
        long[] rows = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), indices[i], $"Index {indices[i]} (position {i}) is outside the dataset [0, {Count}).");
            }

            rows[i] = indices[i];
        }

        using var index = tensor(rows, ScalarType.Int64);
        return (_images.index_select(0, index), _labels.index_select(0, index));
    }

    /// <summary>Frees the image and label tensors.</summary>
    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
    }
}
