namespace Vit.Distributed;

/// <summary>How an all-reduce combines the ranks' values, element by element.</summary>
public enum ReduceOperation
{
    /// <summary>The sum (<c>MPI_SUM</c>): gradients, counts.</summary>
    Sum,

    /// <summary>The largest value (<c>MPI_MAX</c>).</summary>
    Max,

    /// <summary>The smallest value (<c>MPI_MIN</c>).</summary>
    Min,
}
