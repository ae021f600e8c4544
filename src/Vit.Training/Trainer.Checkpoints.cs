using System.Globalization;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Writes everything needed to continue training exactly: the model's state, both AdamW moments and step counts,
    /// the EMA (when on), the schedule, epoch/batch/step counters, libtorch's CPU generator state and the options, as one
    /// safetensors file. It is written under a temporary name and renamed, so a crash never leaves a half-written checkpoint.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <remarks>
    /// <para>With a <see cref="ProcessGroup"/> every rank calls it at the same point: the ranks' generator states are
    /// gathered and rank 0 writes the file (every rank throws if rank 0's write fails).</para>
    /// <para>Resuming is bit-identical on the CPU. On CUDA, TorchSharp does not expose the CUDA generator's state, so
    /// dropout and drop-path masks after a resume differ from an uninterrupted run (with both at 0, only CUDA's own
    /// non-deterministic kernels remain). Data order needs nothing here: <see cref="Vit.Data.BatchLoader"/> rebuilds
    /// epoch k from (seed, k), and <c>Fit</c> passes over the batches of the epoch that were already trained.</para>
    /// </remarks>
    public void SaveCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        WriteCheckpoint(path);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/>: weights, AdamW state, EMA, schedule, counters and
    /// the generator state (applied just before the next update). The whole file is read and checked against this model
    /// before anything changes: on any error the model and optimizer are untouched.
    /// </summary>
    /// <remarks>
    /// The schedule comes from the checkpoint; AdamW's betas, epsilon and weight decay, and everything else, come from
    /// this trainer's options. To continue with exactly the saved options, build the trainer with
    /// <see cref="ReadCheckpointOptions"/>. <c>Fit</c> then continues at <see cref="Epoch"/> / <see cref="BatchInEpoch"/>.
    /// A trainer with <see cref="TrainerOptions.EmaDecay"/> set needs a checkpoint with EMA weights; one without ignores
    /// them (and logs a warning).
    /// </remarks>
    /// <param name="path">The checkpoint. With a <see cref="ProcessGroup"/> every rank reads it (a path on a file
    /// system every host shares), and may be a checkpoint of a job with another number of ranks or of one process:
    /// training continues with the same global batches.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt, is not a trainer checkpoint, was
    /// written for another architecture (the message names the mismatching tensors), does not match its checksum, or
    /// holds values training never writes: counters, rates or step counts out of range, invalid options or schedule,
    /// NaN or infinite weights or moments, a generator state libtorch cannot take. Nothing changes then.</exception>
    /// <remarks>With a <see cref="ProcessGroup"/>, a rank that cannot read the file rethrows its exception and every
    /// other rank throws the process group's exception naming it; ranks that read different files (a stale copy on one
    /// host) all throw the mismatch exception.</remarks>
    public void LoadCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _trained.ThrowIfReplaced();
        if (_parallel is null)
        {
            ReadCheckpoint(path);
            return;
        }

        _parallel.Group.RunOnEveryRank($"load checkpoint '{path}'", () => ReadCheckpoint(path));
        _parallel.Group.VerifyIdentical(
            "The loaded checkpoints (step, epoch, batch, the weights' bits summed as integers)",
            string.Create(CultureInfo.InvariantCulture, $"step {Step}\nepoch {Epoch}\nbatch {BatchInEpoch}\nweights {DataParallel.Checksum(_flat.Parameters)}\n"));

        if (_generator.RestoredRanks < _parallel.Size)
        {
            TrainerLog.GeneratorStatesReseeded(_logger, path, _generator.RestoredRanks, _parallel.Size);
        }
    }

    /// <summary>Reads the options a checkpoint was written with, e.g. to build an identical trainer before resuming.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <returns>The options as they were.</returns>
    /// <exception cref="InvalidDataException">The file is not a readable trainer checkpoint, or its counters, options or
    /// schedule are out of range (the data's checksum is checked by <see cref="LoadCheckpoint"/>, which reads the tensors).</exception>
    public static TrainerOptions ReadCheckpointOptions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return CheckpointState.FromMetadataChecked(Vit.Core.SafeTensors.ReadMetadata(path), path).Options;
    }

    private void ReadCheckpoint(string path)
    {
        _checkpoint.Load(path, state =>
        {
            _counters.CopyFrom(state);
            Schedule = state.Schedule?.ToSchedule();
        });
        TrainerLog.CheckpointLoaded(_logger, path, Epoch, BatchInEpoch, Step);
    }

    /// <summary>Writes a checkpoint (rank 0 only, with every rank's generator state), then runs <paramref name="after"/> there.</summary>
    internal void WriteCheckpoint(string path, Action? after = null)
    {
        using var scope = NewDisposeScope();
        if (_parallel is not null)
        {
            _generator.SetGathered(_parallel.Gather(_generator.Current()));
        }

        try
        {
            RunOnRoot($"write checkpoint '{path}'", () =>
            {
                _checkpoint.Save(path, state =>
                {
                    state.CopyFrom(_counters);
                    state.Schedule = Schedule is null ? null : CheckpointState.ScheduleState.From(Schedule);
                    state.Options = _options;
                });
                TrainerLog.CheckpointSaved(_logger, path, Step);
                after?.Invoke();
            });
        }
        finally
        {
            _generator.SetGathered(null);
        }
    }
}
