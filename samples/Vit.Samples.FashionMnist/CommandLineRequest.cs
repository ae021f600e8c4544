namespace Vit.Samples.FashionMnist;

/// <summary>
/// The parsed command line: a new run's settings or the checkpoint of a run to resume, plus where the run writes
/// and runs (the options a resumed run may change).
/// </summary>
internal sealed record CommandLineRequest
{
    /// <summary>The new run's settings (the preset's with the command line's on top); <see langword="null"/> with <see cref="Resume"/>.</summary>
    public RunSettings? Settings { get; init; }

    /// <summary>The checkpoint of the run to continue, whose run.json holds its settings.</summary>
    public string? Resume { get; init; }

    /// <summary>The new run's folder, or <see langword="null"/> for <c>./runs/&lt;timestamp&gt;</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch's intra-op threads, or <see langword="null"/> for its default.</summary>
    public int? Threads { get; init; }

    /// <summary>The folder for TensorBoard event files, or <see langword="null"/> for none.</summary>
    public string? TensorBoardDirectory { get; init; }

    /// <summary>Gets whether to train data-parallel over MPI (one process per rank under mpirun).</summary>
    public bool Distributed { get; init; }
}
