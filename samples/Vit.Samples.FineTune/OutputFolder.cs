using System.Globalization;

namespace Vit.Samples.FineTune;

/// <summary>The files of a run under <c>--out</c>, and the rule for starting or resuming one there.</summary>
internal sealed class OutputFolder(string path)
{
    public string Path { get; } = path;

    public string Model => Combine("model");

    public string Checkpoints => Combine("checkpoints");

    public string Metrics => Combine("metrics.csv");

    public string Predictions => Combine("predictions.csv");

    public string PerClass => Combine("per-class.csv");

    public string TrainingCurves => Combine("training-curves.png");

    public string ConfusionMatrix => Combine("confusion-matrix.png");

    public string CheckpointAt(int step) => System.IO.Path.Combine(Checkpoints, string.Create(CultureInfo.InvariantCulture, $"checkpoint-{step:D8}.safetensors"));

    /// <summary>Returns the checkpoint to resume from (null for a new run), refusing to mix a new run into an old one.</summary>
    /// <exception cref="UsageException">--resume without a checkpoint, or a new run in a folder that holds one.</exception>
    public string? CheckResume(bool resume)
    {
        string? newest = Directory.Exists(Checkpoints)
            ? Directory.GetFiles(Checkpoints, "checkpoint-*.safetensors").Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (resume && newest is null)
        {
            throw new UsageException($"--resume: '{Checkpoints}' holds no checkpoint to continue from.");
        }

        if (!resume && (newest is not null || File.Exists(Metrics)))
        {
            throw new UsageException($"--out '{Path}' already holds a run: add --resume to continue it, or choose another --out.");
        }

        return newest;
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);
}
