using Microsoft.Extensions.Logging;

namespace Vit.Training;

/// <summary>The trainer's log events (source-generated, so disabled levels cost nothing).</summary>
internal static partial class TrainerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Schedule: {Schedule}")]
    public static partial void ScheduleFixed(ILogger logger, LearningRateSchedule schedule);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "epoch {Epoch}/{Epochs} step {Step}/{TotalSteps} loss {Loss:F4} lr {LearningRate:G4} grad-norm {GradientNorm:F3} {ImagesPerSecond:F1} img/s elapsed {Elapsed} eta {Remaining}")]
    public static partial void StepProgress(ILogger logger, int epoch, int epochs, int step, int totalSteps, double loss, double learningRate, double gradientNorm, double imagesPerSecond, TimeSpan elapsed, TimeSpan remaining);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "epoch {Epoch}/{Epochs} done: train loss {Loss:F4}, {ImagesPerSecond:F1} img/s, elapsed {Elapsed}")]
    public static partial void EpochDone(ILogger logger, int epoch, int epochs, double loss, double imagesPerSecond, TimeSpan elapsed);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "epoch {Epoch} evaluation: loss {Loss:F4} top-1 {Top1:P2} top-5 {Top5:P2} on {Count} images")]
    public static partial void Evaluated(ILogger logger, int epoch, double loss, double top1, double top5, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Skipped update {Step}: loss {Loss}, gradient norm {GradientNorm} (NonFiniteHandling.SkipUpdate); weights unchanged")]
    public static partial void NonFiniteSkip(ILogger logger, int step, float loss, float gradientNorm);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error,
        Message = "Stopping at update {Step}: loss {Loss}, gradient norm {GradientNorm}; weights are those after the previous update")]
    public static partial void NonFiniteStop(ILogger logger, int step, float loss, float gradientNorm);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Checkpoint written: {Path} (step {Step})")]
    public static partial void CheckpointSaved(ILogger logger, string path, int step);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Resumed from {Path}: epoch {Epoch}, batch {Batch}, step {Step}")]
    public static partial void CheckpointLoaded(ILogger logger, string path, int epoch, int batch, int step);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "New best {Metric} {Value:G6}: {Path}")]
    public static partial void BestCheckpoint(ILogger logger, CheckpointMetric metric, double value, string path);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information,
        Message = "epoch {Epoch} EMA evaluation: loss {Loss:F4} top-1 {Top1:P2} top-5 {Top5:P2} on {Count} images")]
    public static partial void EmaEvaluated(ILogger logger, int epoch, double loss, double top1, double top5, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Path} holds EMA weights, but this trainer keeps no EMA (TrainerOptions.EmaDecay is null): they were not loaded")]
    public static partial void EmaNotResumed(ILogger logger, string path);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Stopping early after update {Step}: a callback asked (Trainer.RequestStop)")]
    public static partial void StoppedEarly(ILogger logger, int step);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug,
        Message = "Skipped update {Step}: the fp16 gradients overflowed at loss scale {Scale} (expected now and then); the scale is now {NewScale}")]
    public static partial void LossScaleOverflow(ILogger logger, int step, float scale, float newScale);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning,
        Message = "TrainerOptions.Precision is {Precision}, but autocast does not reach these modules, which keep running in their weights' dtype: {Modules} (see Autocast.UncoveredModules)")]
    public static partial void UncoveredModules(ILogger logger, TorchSharp.torch.ScalarType precision, string modules);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning,
        Message = "The checkpoint holds no fp16 loss-scale state (it was written by a run that did not train in Float16): loss scaling starts over at {Scale}")]
    public static partial void LossScaleStartsOver(ILogger logger, float scale);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Data-parallel training on {Size} ranks: rank 0's weights broadcast, gradients all-reduced once per update")]
    public static partial void JoinedProcessGroup(ILogger logger, int size);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning,
        Message = "After epoch {Epoch} the replicas' weights were no longer bit-identical (ranks {Ranks} differ from rank 0: different hardware or thread counts round differently); rank 0's weights, AdamW moments and EMA were broadcast to every rank")]
    public static partial void ReplicasResynchronized(ILogger logger, int epoch, string ranks);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning,
        Message = "{Path} holds generator states for {Saved} rank(s) and this job has {Size}: ranks without a saved state start from a fresh seed, so their dropout and drop-path masks differ from an uninterrupted run")]
    public static partial void GeneratorStatesReseeded(ILogger logger, string path, int saved, int size);

    [LoggerMessage(EventId = 29, Level = LogLevel.Warning,
        Message = "Checkpoint {Path} has no checksum (written before checkpoints carried one): its shapes and values were checked, but damage to its data cannot be detected")]
    public static partial void CheckpointWithoutChecksum(ILogger logger, string path);
    [LoggerMessage(EventId = 19, Level = LogLevel.Warning,
        Message = "TrainerOptions.LabelSmoothing is {LabelSmoothing} and the targets are class probabilities: they are smoothed again, as PyTorch's cross_entropy does. If they come from Mixup/CutMix (already smoothed by MixupOptions.LabelSmoothing), set TrainerOptions.LabelSmoothing = 0")]
    public static partial void SoftTargetsSmoothedAgain(ILogger logger, double labelSmoothing);
}
