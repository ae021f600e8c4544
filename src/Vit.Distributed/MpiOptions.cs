using System.ComponentModel.DataAnnotations;

namespace Vit.Distributed;

/// <summary>Options for <see cref="MpiCommunicator.Initialize(MpiOptions?)"/>, which validates them with <see cref="MpiOptionsValidator"/>.</summary>
public sealed class MpiOptions
{
    /// <summary>The default <see cref="CollectiveTimeout"/>: 10 minutes, as torch.distributed's default.</summary>
    public static readonly TimeSpan DefaultCollectiveTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the Open MPI library to load (a file name the system loader finds, or a path).
    /// </summary>
    /// <value>The default is <see langword="null"/>: <c>libmpi.so.40</c>, then <c>libmpi.so</c> (macOS: <c>libmpi.40.dylib</c>, <c>libmpi.dylib</c>).</value>
    [MinLength(1)]
    public string? LibraryPath { get; set; }

    /// <summary>
    /// Gets or sets how long one collective (all-reduce, broadcast, barrier, finalize) may wait for the other ranks
    /// before this rank reports which collective hung and aborts the whole job (<c>MPI_Abort</c>, exit code
    /// <see cref="MpiCommunicator.TimeoutExitCode"/>). It bounds how long a hung or silently lost rank can stall the
    /// others; set it above the longest time ranks may legitimately drift apart (a checkpoint written by rank 0, an
    /// evaluation, the first step's warm-up).
    /// </summary>
    /// <value>The default is 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "24.00:00:00")]
    public TimeSpan CollectiveTimeout { get; set; } = DefaultCollectiveTimeout;
}
