using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>Where training stands: the schedule, update and epoch counters, the last update's figures, the loss scale and the stop request.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Gets the learning-rate schedule, or <see langword="null"/> until the first update or <c>Fit</c> fixes it
    /// (the batch size and epoch length it may need are known only then).
    /// </summary>
    public LearningRateSchedule? Schedule { get; private set; }

    /// <summary>Gets the number of updates done (including skipped ones): the 0-based index of the next update.</summary>
    public int Step => _counters.Step;

    /// <summary>Gets the number of updates skipped for non-finite values by <see cref="NonFiniteHandling.SkipUpdate"/> (fp16 overflows are counted in <see cref="OverflowSteps"/>).</summary>
    public int SkippedSteps => _counters.SkippedSteps;

    /// <summary>
    /// Gets the loss scale the next fp16 update multiplies the loss by before backward (PyTorch's
    /// <c>GradScaler.get_scale()</c>); 1 unless <see cref="TrainerOptions.Precision"/> is <see cref="ScalarType.Float16"/>.
    /// </summary>
    public double LossScale => _scaler.Scale;

    /// <summary>Gets the number of fp16 updates skipped because their scaled gradients overflowed (each halved <see cref="LossScale"/>).</summary>
    public int OverflowSteps => _scaler.Overflows;

    /// <summary>Gets the 0-based epoch <c>Fit</c> is in, or resumes at.</summary>
    public int Epoch => _counters.Epoch;

    /// <summary>Gets how many batches of <see cref="Epoch"/> are done.</summary>
    public int BatchInEpoch => _counters.BatchInEpoch;

    /// <summary>Gets the scheduled learning rate of the latest update (NaN before the first), before any layer-decay scale.</summary>
    public double LastLearningRate => _counters.LastLearningRate;

    /// <summary>Gets the global gradient L2 norm, before clipping, of the latest update (NaN before the first).</summary>
    public double LastGradientNorm => _counters.LastGradientNorm;

    /// <summary>Gets whether <see cref="RequestStop"/> was called since the current (or last) <c>Fit</c> started.</summary>
    public bool StopRequested => _stop.Requested;

    /// <summary>Asks <c>Fit</c> to stop after the current update (or, from an epoch callback, after that epoch); for early stopping.</summary>
    public void RequestStop() => _stop.Request();
}
