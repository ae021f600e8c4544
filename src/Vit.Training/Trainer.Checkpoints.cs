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
    /// Resuming is bit-identical on the CPU. On CUDA, TorchSharp does not expose the CUDA generator's state, so
    /// dropout and drop-path masks after a resume differ from an uninterrupted run (with both at 0, only CUDA's own
    /// non-deterministic kernels remain). Data order needs nothing here: <see cref="Vit.Data.DataLoader"/> rebuilds
    /// epoch k from (seed, k), and <c>Fit</c> passes over the batches of the epoch that were already trained.
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
    /// <param name="path">The checkpoint.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt, is not a trainer checkpoint, or was
    /// written for another architecture (the message names the mismatching tensors).</exception>
    public void LoadCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _trained.ThrowIfReplaced();
        _checkpoint.Load(path, state =>
        {
            _counters.ReadFrom(state);
            Schedule = state.Schedule?.ToSchedule();
        });
        TrainerLog.CheckpointLoaded(_logger, path, Epoch, BatchInEpoch, Step);
    }

    /// <summary>Reads the options a checkpoint was written with, e.g. to build an identical trainer before resuming.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <returns>The options as they were.</returns>
    /// <exception cref="InvalidDataException">The file is not a readable trainer checkpoint.</exception>
    public static TrainerOptions ReadCheckpointOptions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return CheckpointState.FromMetadata(Vit.Core.SafeTensors.ReadMetadata(path), path).Options;
    }

    private void WriteCheckpoint(string path)
    {
        _checkpoint.Save(path, state =>
        {
            _counters.WriteTo(state);
            state.Schedule = Schedule is null ? null : CheckpointState.ScheduleState.From(Schedule);
            state.Options = _options;
        });
        TrainerLog.CheckpointSaved(_logger, path, Step);
    }
}
