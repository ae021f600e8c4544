using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>A view of some samples of another dataset, in a given order (no pixels are copied).</summary>
public sealed class SubsetDataset : IImageDataset
{
    private readonly IImageDataset _source;
    private readonly int[] _indices;

    /// <summary>Creates a view of <paramref name="source"/> at <paramref name="indices"/>.</summary>
    /// <param name="source">The dataset viewed; it must outlive this view.</param>
    /// <param name="indices">Indices into <paramref name="source"/> (copied).</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the source.</exception>
    public SubsetDataset(IImageDataset source, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        _source = source;
        _indices = [.. indices];
        for (int i = 0; i < _indices.Length; i++)
        {
            if ((uint)_indices[i] >= (uint)source.Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), _indices[i], $"Index {_indices[i]} (position {i}) is outside the source dataset [0, {source.Count}).");
            }
        }
    }

    /// <summary>Gets the indices into the source dataset, in this view's order.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public int Count => _indices.Length;

    /// <inheritdoc/>
    public int Channels => _source.Channels;

    /// <inheritdoc/>
    public int Height => _source.Height;

    /// <inheritdoc/>
    public int Width => _source.Width;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _source.ClassNames;

    /// <inheritdoc/>
    public int GetLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _source.GetLabel(_indices[index]);
    }

    /// <inheritdoc/>
    public (Tensor Images, Tensor Labels) GetBatch(ReadOnlySpan<int> indices)
    {
        int[] mapped = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), indices[i], $"Index {indices[i]} (position {i}) is outside the subset [0, {Count}).");
            }

            mapped[i] = _indices[indices[i]];
        }

        return _source.GetBatch(mapped);
    }
}
