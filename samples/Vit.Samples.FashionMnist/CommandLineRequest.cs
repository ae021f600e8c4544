using System.ComponentModel.DataAnnotations;
using Vit.Samples.FashionMnist.Options;

namespace Vit.Samples.FashionMnist;

/// <summary>
/// The parsed command line: a new run's settings or the checkpoint of a run to resume, plus where the run writes
/// and runs. Each property but <see cref="Settings"/> is one option (<see cref="OptionAttribute"/>), listed by
/// <c>--help</c> after the settings' in this order.
/// </summary>
internal sealed record CommandLineRequest
{
    /// <summary>The new run's settings (the preset's with the command line's on top); <see langword="null"/> with <see cref="Resume"/>.</summary>
    public RunSettings? Settings { get; init; }

    /// <summary>auto, cpu or cuda.</summary>
    [Option("--device", "auto (CUDA when available), cpu or cuda", Resumable = true)]
    [AllowedValues("auto", "cpu", "cuda")]
    public string Device { get; init; } = "auto";

    /// <summary>The checkpoint of the run to continue, whose run.json holds its settings.</summary>
    [Option("--resume", "Continue the run that wrote this checkpoint (its settings and folder are reused)", Resumable = true)]
    [PathText("a checkpoint file")]
    public string? Resume { get; init; }

    /// <summary>The new run's folder, or <see langword="null"/> for <c>./runs/&lt;timestamp&gt;</c>.</summary>
    [Option("--out", "Output folder", DefaultText = "./runs/<timestamp>")]
    [PathText("a folder")]
    public string? OutputDirectory { get; init; }

    /// <summary>libtorch's intra-op threads, or <see langword="null"/> for its default.</summary>
    [Option("--threads", "libtorch CPU threads; 1 is faster on a machine busy with other work", Resumable = true, DefaultText = "libtorch's choice, one per core")]
    [Range(1, int.MaxValue)]
    public int? Threads { get; init; }

    /// <summary>The folder for TensorBoard event files, or <see langword="null"/> for none.</summary>
    [Option("--tensorboard", "Also write TensorBoard scalars (loss, lr, gradient norm, evaluations) to this folder", Resumable = true)]
    [PathText("a folder")]
    public string? TensorBoardDirectory { get; init; }

    /// <summary>Gets whether to train data-parallel over MPI (one process per rank under mpirun).</summary>
    [Option("--distributed", "Data-parallel training over MPI: start with mpirun -np N; each process trains on its share of every batch (--batch-size is the global batch) and rank 0 writes the outputs", Resumable = true)]
    public bool Distributed { get; init; }
}
