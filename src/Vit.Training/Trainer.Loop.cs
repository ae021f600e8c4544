using Microsoft.Extensions.Logging;

namespace Vit.Training;

/// <summary>
/// What <see cref="FitLoop"/> reads of the trainer and asks of it: its settings, counters, stop request and callbacks,
/// the schedule fixed once, actions on rank 0 only, and the replicas' end-of-epoch check.
/// </summary>
public sealed partial class Trainer
{
    /// <summary>Gets the number of ranks (1 without a process group).</summary>
    internal int WorldSize => _parallel?.Size ?? 1;

    /// <summary>Gets the batch checks (the tests switch their device-label path on).</summary>
    internal BatchChecks Checks => _checks;

    /// <summary>Gets the trainer's own options (not a copy: the loop reads them every update).</summary>
    internal TrainerOptions Settings => _options;

    /// <summary>Gets the logger (silent on ranks other than 0).</summary>
    internal ILogger Logger => _logger;

    /// <summary>Gets the counters the loop advances and the checkpoints save.</summary>
    internal TrainingCounters Counters => _counters;

    /// <summary>Gets the data parallelism, or <see langword="null"/> in one process.</summary>
    internal DataParallel? Parallel => _parallel;

    /// <summary>Gets the stop request that <see cref="RequestStop"/> makes and the loop agrees on.</summary>
    internal StopRequest Stop => _stop;

    /// <summary>Gets the callbacks with the calls the loop and <see cref="TrainStep"/> make.</summary>
    internal TrainerCallbacks CallbackList => _callbacks;

    /// <summary>Fixes the schedule, unless a checkpoint, an update or an earlier Fit already did.</summary>
    internal void FixSchedule(int batchSize, int? stepsPerEpoch) => Schedule ??= ResolveSchedule(batchSize, stepsPerEpoch);

    /// <summary>Runs <paramref name="action"/> here, or on rank 0 only (every rank learning whether it failed).</summary>
    internal void RunOnRoot(string description, Action action)
    {
        if (_parallel is null)
        {
            action();
        }
        else
        {
            _parallel.Group.RunOnRoot(description, action);
        }
    }

    /// <summary>Data parallelism: checks at each epoch's end that the replicas are still bit-identical, and makes them so.</summary>
    internal void ResynchronizeReplicas(int epoch)
    {
        if (_parallel?.Resynchronize(Model, _flat, _ema) is { Count: > 0 } differing)
        {
            TrainerLog.ReplicasResynchronized(_logger, epoch, string.Join(", ", differing));
        }
    }

    /// <summary>Fixes the schedule from the options, the batch size (for scaling) and the epoch length (if known).</summary>
    private LearningRateSchedule ResolveSchedule(int batchSize, int? stepsPerEpoch)
    {
        var schedule = LearningRateSchedule.FromOptions(_options, batchSize, stepsPerEpoch);
        TrainerLog.ScheduleFixed(_logger, schedule);
        return schedule;
    }
}
