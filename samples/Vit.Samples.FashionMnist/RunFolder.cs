using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vit.Core;
using Vit.Samples.FashionMnist.Options;

namespace Vit.Samples.FashionMnist;

/// <summary>The files of one run's output folder.</summary>
internal sealed class RunFolder
{
    /// <summary>The largest run.json read: the settings are a few hundred bytes.</summary>
    public const long MaxSettingsBytes = 1 << 20;

    // Every field of run.json must be there: a run resumes with exactly the settings it started with.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { info => info.Properties.Where(p => p.Set is not null).ToList().ForEach(p => p.IsRequired = true) } },
    };

    public RunFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public string Settings => Combine("run.json");

    public string Metrics => Combine("metrics.csv");

    public string Checkpoints => Combine("checkpoints");

    public string Model => Combine("model.safetensors");

    public string Onnx => Combine("model.onnx");

    public string TrainingCurves => Combine("training-curves.png");

    public string ConfusionMatrix => Combine("confusion-matrix.png");

    /// <summary>The default output folder, <c>./runs/&lt;timestamp&gt;</c>.</summary>
    public static string DefaultPath() =>
        System.IO.Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    /// <summary>Finds the run a checkpoint belongs to: <c>&lt;run&gt;/checkpoints/checkpoint-N.safetensors</c> with <c>&lt;run&gt;/run.json</c>.</summary>
    /// <exception cref="UsageException">The checkpoint or its run's settings are missing.</exception>
    public static RunFolder OfCheckpoint(string checkpoint)
    {
        if (!File.Exists(checkpoint))
        {
            throw new UsageException($"--resume '{checkpoint}' does not exist.");
        }

        string? checkpoints = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(checkpoint));
        string? run = checkpoints is null ? null : System.IO.Path.GetDirectoryName(checkpoints);
        if (run is null || !File.Exists(System.IO.Path.Combine(run, "run.json")))
        {
            throw new UsageException($"--resume '{checkpoint}' is not inside a run folder of this sample (<run>/checkpoints/ next to <run>/run.json).");
        }

        return new RunFolder(run);
    }

    /// <summary>Checks that a new run may write here without mixing with another run.</summary>
    /// <exception cref="UsageException">The path is a file or already holds a run.</exception>
    public void EnsureUsableForNewRun()
    {
        if (File.Exists(Path))
        {
            throw new UsageException($"--out '{Path}' is a file; expected a folder.");
        }

        if (File.Exists(Settings) || File.Exists(Metrics))
        {
            throw new UsageException($"--out '{Path}' already holds a run (run.json or metrics.csv); choose another folder, or continue it with --resume.");
        }
    }

    /// <summary>Reads run.json and checks every field against its option (<see cref="RunOptions.FirstProblem"/>).</summary>
    /// <exception cref="UsageException">The file cannot be read, is too large, is not a run.json, or a field is out of range.</exception>
    public RunSettings ReadSettings()
    {
        RunSettings settings;
        try
        {
            // A FIFO would block the read for ever, a device never end.
            Vit.Input.RegularFile.ThrowIfSpecial(Settings);
            long length = new FileInfo(Settings).Length;
            if (length > MaxSettingsBytes)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--resume: '{Settings}' is {length:N0} bytes, more than the {MaxSettingsBytes:N0} a run.json may have."));
            }

            settings = JsonSerializer.Deserialize<RunSettings>(File.ReadAllText(Settings), Json)
                ?? throw new UsageException($"--resume: '{Settings}' is empty (null).");
        }
        catch (JsonException e)
        {
            throw new UsageException($"--resume: '{Settings}' is not a valid run.json: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new UsageException($"--resume: '{Settings}' cannot be read: {e.Message}", e);
        }

        if (RunOptions.FirstProblem(settings, o => o.JsonName) is string problem)
        {
            throw new UsageException($"--resume: '{Settings}' is not a valid run.json: {problem.TrimEnd('.')}.");
        }

        return settings;
    }

    public void WriteSettings(RunSettings settings) => AtomicFile.WriteAllText(Settings, JsonSerializer.Serialize(settings, Json));

    /// <summary>The path of the checkpoint after <paramref name="step"/> updates (the naming <c>Trainer.Fit</c> uses).</summary>
    public string CheckpointAt(int step) =>
        System.IO.Path.Combine(Checkpoints, string.Create(CultureInfo.InvariantCulture, $"checkpoint-{step:D8}.safetensors"));

    private string Combine(string name) => System.IO.Path.Combine(Path, name);
}
