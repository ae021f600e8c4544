namespace Vit.Data;

/// <summary>Which positions of each global batch one rank of a data-parallel job takes.</summary>
public enum ShardLayout
{
    /// <summary>Rank r takes the r-th contiguous slice: positions [r·L, (r+1)·L) of a batch split L per rank.</summary>
    Contiguous,

    /// <summary>Rank r takes every N-th position from r: r, r + N, r + 2N, ... (PyTorch's DistributedSampler within a batch).</summary>
    Strided,
}
