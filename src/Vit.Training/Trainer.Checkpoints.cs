using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

public sealed partial class Trainer
{
    private const string ModelPrefix = "model/";
    private const string ExpAvgPrefix = "adamw/exp_avg/";
    private const string ExpAvgSqPrefix = "adamw/exp_avg_sq/";
    private const string RngKey = "rng/cpu";

    /// <summary>
    /// Writes everything needed to continue training exactly: the model's state, both AdamW moments and step counts,
    /// the schedule, epoch/batch/step counters, libtorch's CPU generator state and the options, as one safetensors
    /// file. It is written under a temporary name and renamed, so a crash never leaves a half-written checkpoint.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <remarks>
    /// Resuming is bit-identical on the CPU. On CUDA, TorchSharp does not expose the CUDA generator's state, so
    /// dropout and drop-path masks after a resume differ from an uninterrupted run (with both at 0, only CUDA's own
    /// non-deterministic kernels remain). Data order needs nothing here: <see cref="Vit.Data.DataLoader"/> rebuilds
    /// epoch k from (seed, k), and <see cref="Fit"/> passes over the batches of the epoch that were already trained.
    /// </remarks>
    public void SaveCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        WriteCheckpoint(path, bestMetricValue: _bestMetricValue);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/>: weights, AdamW state, schedule, counters and the
    /// generator state (applied just before the next update). The whole file is read and checked against this model
    /// before anything changes: on any error the model and optimizer are untouched.
    /// </summary>
    /// <remarks>
    /// The schedule comes from the checkpoint; AdamW's betas, epsilon and weight decay, and everything else, come from
    /// this trainer's options. To continue with exactly the saved options, build the trainer with
    /// <see cref="ReadCheckpointOptions"/>. <see cref="Fit"/> then continues at <see cref="Epoch"/> /
    /// <see cref="BatchInEpoch"/>.
    /// </remarks>
    /// <param name="path">The checkpoint.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt, is not a trainer checkpoint, or was
    /// written for another architecture (the message names the mismatching tensors).</exception>
    public void LoadCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        }

        var state = CheckpointState.FromMetadata(SafeTensors.ReadMetadata(path), path);
        using var scope = NewDisposeScope();
        // Loaded inside the scope, so every tensor read is freed when it ends.
        var tensors = SafeTensors.Load(path);

        var modelState = Model.state_dict();
        CheckFits(path, state, tensors, modelState);

        // Everything is checked: from here on nothing can fail half-way.
        using (no_grad())
        {
            foreach (var (name, target) in modelState)
            {
                target.copy_(tensors[ModelPrefix + name]);
            }

            var adamStates = _optimizer.state_dict().State;
            for (int i = 0; i < _optimized.Count; i++)
            {
                var adam = (TorchSharp.Modules.AdamW.State)adamStates[i];
                string name = _optimized[i].Name;
                adam.exp_avg.copy_(tensors[ExpAvgPrefix + name]);
                adam.exp_avg_sq.copy_(tensors[ExpAvgSqPrefix + name]);
                adam.step = state.AdamSteps[name];
            }
        }

        Step = state.Step;
        SkippedSteps = state.SkippedSteps;
        Epoch = state.Epoch;
        BatchInEpoch = state.BatchInEpoch;
        LastLearningRate = state.LastLearningRate;
        LastGradientNorm = state.LastGradientNorm;
        _bestMetricValue = state.BestMetricValue;
        Schedule = state.Schedule?.ToSchedule();
        _pendingRngState?.Dispose();
        _pendingRngState = tensors[RngKey].clone().DetachFromDisposeScope();
        TrainerLog.CheckpointLoaded(_logger, path, Epoch, BatchInEpoch, Step);
    }

    /// <summary>Reads the options a checkpoint was written with, e.g. to build an identical trainer before resuming.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <returns>The options as they were.</returns>
    /// <exception cref="InvalidDataException">The file is not a readable trainer checkpoint.</exception>
    public static TrainerOptions ReadCheckpointOptions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return CheckpointState.FromMetadata(SafeTensors.ReadMetadata(path), path).Options;
    }

    private void WriteCheckpoint(string path, double? bestMetricValue)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in Model.state_dict())
        {
            tensors.Add(new(ModelPrefix + name, tensor));
        }

        var state = new CheckpointState
        {
            Step = Step,
            SkippedSteps = SkippedSteps,
            Epoch = Epoch,
            BatchInEpoch = BatchInEpoch,
            LastLearningRate = LastLearningRate,
            LastGradientNorm = LastGradientNorm,
            BestMetricValue = bestMetricValue,
            Schedule = Schedule is null ? null : CheckpointState.ScheduleState.From(Schedule),
            Options = _options,
        };
        var adamStates = _optimizer.state_dict().State;
        for (int i = 0; i < _optimized.Count; i++)
        {
            var adam = (TorchSharp.Modules.AdamW.State)adamStates[i];
            string name = _optimized[i].Name;
            tensors.Add(new(ExpAvgPrefix + name, adam.exp_avg));
            tensors.Add(new(ExpAvgSqPrefix + name, adam.exp_avg_sq));
            state.AdamSteps[name] = adam.step;
        }

        // A state restored but not yet used is still the state of this point of training.
        tensors.Add(new(RngKey, _pendingRngState ?? torch.random.get_rng_state()));
        var metadata = new Dictionary<string, string>
        {
            [CheckpointState.FormatKey] = CheckpointState.Format,
            [CheckpointState.MetadataKey] = state.ToJson(),
            [CheckpointState.ModelOptionsKey] = CheckpointState.Serialize(_modelOptions),
        };
        SafeTensors.Save(path, tensors, metadata);
        TrainerLog.CheckpointSaved(_logger, path, Step);
    }

    private void CheckFits(string path, CheckpointState state, Dictionary<string, Tensor> tensors, Dictionary<string, Tensor> modelState)
    {
        var problems = new List<string>();
        foreach (var (name, target) in modelState)
        {
            CheckTensor(problems, tensors, ModelPrefix + name, target);
        }

        foreach (var key in tensors.Keys)
        {
            if (key.StartsWith(ModelPrefix, StringComparison.Ordinal) && !modelState.ContainsKey(key[ModelPrefix.Length..]))
            {
                problems.Add($"{key} is not in this model");
            }
        }

        foreach (var (name, parameter) in _optimized)
        {
            CheckTensor(problems, tensors, ExpAvgPrefix + name, parameter);
            CheckTensor(problems, tensors, ExpAvgSqPrefix + name, parameter);
            if (!state.AdamSteps.ContainsKey(name))
            {
                problems.Add($"the AdamW step count of {name} is missing");
            }
        }

        if (!tensors.TryGetValue(RngKey, out var rng) || rng.dtype != ScalarType.Byte || rng.ndim != 1)
        {
            problems.Add($"{RngKey} (the generator state, uint8 [N]) is missing or malformed");
        }

        if (problems.Count > 0)
        {
            const int Shown = 8;
            string more = problems.Count > Shown ? $"; and {problems.Count - Shown} more" : string.Empty;
            throw new InvalidDataException(
                $"Checkpoint '{path}' does not fit this model and trainer (was it written for another architecture?): {string.Join("; ", problems.Take(Shown))}{more}. Nothing was changed.");
        }
    }

    private static void CheckTensor(List<string> problems, Dictionary<string, Tensor> tensors, string key, Tensor expected)
    {
        if (!tensors.TryGetValue(key, out var found))
        {
            problems.Add($"{key} is missing");
        }
        else if (found.dtype != expected.dtype || !found.shape.SequenceEqual(expected.shape))
        {
            problems.Add($"{key} is {found.dtype} {Shape(found)} in the file but {expected.dtype} {Shape(expected)} here");
        }
    }
}
