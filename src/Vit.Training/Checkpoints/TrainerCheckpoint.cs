using Microsoft.Extensions.Logging;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Reads and writes trainer checkpoints: one safetensors file with every part's tensors and, as metadata, the
/// <see cref="CheckpointState"/> JSON. Writing goes through a temporary file and a rename; reading checks the whole
/// file against every part before any part changes.
/// </summary>
internal sealed class TrainerCheckpoint(IReadOnlyList<ICheckpointPart> parts, string? modelOptionsJson, bool hasEma, ILogger logger)
{
    /// <summary>Writes a checkpoint of the parts, with <paramref name="fill"/> adding the counters, schedule and options.</summary>
    public void Save(string path, Action<CheckpointState> fill)
    {
        using var scope = NewDisposeScope();
        var content = new CheckpointContent([], new CheckpointState());
        fill(content.State);
        foreach (var part in parts)
        {
            part.Save(content);
        }

        string stateJson = content.State.ToJson();
        var metadata = new Dictionary<string, string>
        {
            [CheckpointState.FormatKey] = CheckpointState.Format,
            [CheckpointState.MetadataKey] = stateJson,
            [CheckpointChecksum.MetadataKey] = CheckpointChecksum.Compute(content.Tensors, stateJson),
        };
        if (modelOptionsJson is not null)
        {
            metadata[CheckpointState.ModelOptionsKey] = modelOptionsJson;
        }

        SafeTensors.Save(path, content.Tensors.ToList(), metadata);
    }

    /// <summary>
    /// Reads and checks a checkpoint, then restores every part and hands the state to <paramref name="apply"/>; on any
    /// problem it throws before anything changes.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is unreadable or does not fit (the message names the tensors).</exception>
    public void Load(string path, Action<CheckpointState> apply)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        }

        var metadata = SafeTensors.ReadMetadata(path);
        var state = CheckpointState.FromMetadata(metadata, path);
        using var scope = NewDisposeScope();
        // Loaded inside the scope, so every tensor read is freed when it ends.
        var content = new CheckpointContent(SafeTensors.Load(path), state);
        var problems = new List<string>();
        string? checksum = metadata.GetValueOrDefault(CheckpointChecksum.MetadataKey);
        if (checksum is not null)
        {
            CheckpointChecksum.Check(checksum, content.Tensors, metadata[CheckpointState.MetadataKey], problems);
        }

        CheckpointStateChecks.Check(state, problems);
        foreach (var part in parts)
        {
            part.Check(content, problems);
        }

        if (problems.Count > 0)
        {
            const int Shown = 8;
            string more = problems.Count > Shown ? $"; and {problems.Count - Shown} more" : string.Empty;
            throw new InvalidDataException(
                $"Checkpoint '{path}' does not fit this model and trainer (was it written for another architecture, or damaged?): {string.Join("; ", problems.Take(Shown))}{more}. Nothing was changed.");
        }

        // Everything is checked: from here on nothing can fail half-way.
        foreach (var part in parts)
        {
            part.Restore(content);
        }

        if (!hasEma && content.Tensors.Keys.Any(k => k.StartsWith(EmaStatePart.Prefix, StringComparison.Ordinal)))
        {
            TrainerLog.EmaNotResumed(logger, path);
        }

        if (checksum is null)
        {
            // No checksum: every value above was checked, so only a bit flip that leaves every value plausible can pass.
            TrainerLog.CheckpointWithoutChecksum(logger, path);
        }

        apply(state);
    }
}
