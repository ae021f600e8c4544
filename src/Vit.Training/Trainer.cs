using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using Vit.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Vit.Training;

/// <summary>
/// Trains a <see cref="VisionTransformer"/> as timm would: one <see cref="TrainStep"/> is one AdamW update on one
/// logical batch (split into <see cref="TrainerOptions.AccumulationSteps"/> micro-batches), with label-smoothed
/// cross-entropy, global-norm clipping and a warmup schedule; <see cref="Fit"/> runs epochs over a
/// <see cref="Vit.Data.DataLoader"/> with evaluation, logging and checkpoints.
/// </summary>
/// <remarks>
/// The trainer runs on the device of the model's parameters; move the model (<c>model.to(device)</c>) and load its
/// weights before creating the trainer, because moving makes new parameters the optimizer would not know.
/// Each update waits for the device once, to fetch the loss and gradient norm together (the non-finite check needs
/// both before the optimizer may touch the weights). Label ranges are checked where the labels are, which is free when
/// they come from the CPU as <see cref="Vit.Data.DataLoader"/> batches do by default. A trainer is not thread-safe.
/// On the CPU the trainer calls <see cref="CpuMemory.RetainFreedMemory"/>, so the process keeps freed tensor memory
/// for reuse instead of returning it and faulting it in again every step (opt out with the environment variable
/// <c>VIT_RETAIN_FREED_MEMORY=0</c>, or call <see cref="CpuMemory.ReturnLargeBlocks"/> after creating the trainer).
/// That makes CPU steps about 13% faster, and resident memory then rises with glibc's heap fragmentation (about 20%
/// over the first 50 steps at the origin width, batch 128) instead of staying at the live tensors' peak; see
/// <see cref="CpuMemory.RetainFreedMemory"/> for the measurements and how to keep it flat.
/// </remarks>
public sealed partial class Trainer : IDisposable
{
    private readonly TrainerOptions _options;
    private readonly VisionTransformerOptions _modelOptions;
    private readonly ILogger _logger;
    private readonly AdamW _optimizer;
    private readonly FlatAdamW? _flat;
    private readonly List<(string Name, Parameter Parameter)> _optimized;
    private readonly List<Parameter> _parameters;
    private readonly Device _device;
    private Tensor? _pendingRngState;
    private bool _disposed;

    /// <summary>Creates a trainer for <paramref name="model"/>.</summary>
    /// <param name="model">The model, already on its device with its weights loaded.</param>
    /// <param name="options">The settings; copied, so later changes to the instance do not affect the trainer.</param>
    /// <param name="logger">Receives step, epoch and warning events; <see langword="null"/> logs nothing.</param>
    /// <exception cref="OptionsValidationException">The options cannot work (the message lists each problem).</exception>
    public Trainer(VisionTransformer model, TrainerOptions options, ILogger<Trainer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        new TrainerOptionsValidator().ThrowIfInvalid(options);
        _options = options.Clone();
        _modelOptions = model.Options;
        if (_modelOptions.NumClasses < 1)
        {
            throw new ArgumentException("The model has no classifier head (NumClasses is 0); call ResetClassifier(n) before creating the trainer.", nameof(model));
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Model = model;

        var (noDecay, decay) = AdamWParameterGroups.Split(model.named_parameters());
        var byHandle = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        // Same order as the optimizer's state list (group by group), which checkpoints rely on.
        _optimized = noDecay.Concat(decay).Select(p => (byHandle[p.Handle], p)).ToList();
        _parameters = _optimized.Select(p => p.Parameter).ToList();
        if (_parameters.Count == 0)
        {
            throw new ArgumentException("The model has no trainable parameter (every requires_grad is false).", nameof(model));
        }

        _device = _parameters[0].device;
        if (_device.type == DeviceType.CPU)
        {
            // Steps allocate and free the same ~GB of activations every time: reuse the pages instead of faulting
            // them in again (about 20% of a CPU step's time otherwise; see CpuMemory).
            CpuMemory.RetainFreedMemory();
        }

        _optimizer = AdamWParameterGroups.Create(
            noDecay, decay, _options.LearningRate, _options.Beta1, _options.Beta2, _options.Epsilon, _options.WeightDecay);
        // Parameters, gradients and moments in flat buffers: updates and norms cost a few kernels, not hundreds.
        _flat = FlatAdamW.TryCreate(_optimizer);
        if (_options.Seed is int seed)
        {
            torch.manual_seed(seed);
        }
    }

    /// <summary>Creates a trainer with options from dependency injection.</summary>
    /// <param name="model">The model, already on its device with its weights loaded.</param>
    /// <param name="options">The settings.</param>
    /// <param name="logger">Receives step, epoch and warning events.</param>
    public Trainer(VisionTransformer model, IOptions<TrainerOptions> options, ILogger<Trainer>? logger = null)
        : this(model, (options ?? throw new ArgumentNullException(nameof(options))).Value, logger)
    {
    }

    /// <summary>Gets the model being trained.</summary>
    public VisionTransformer Model { get; }

    /// <summary>Gets a copy of the trainer's options.</summary>
    public TrainerOptions Options => _options.Clone();

    /// <summary>Gets the AdamW optimizer (non-decayed group first, then the decayed group).</summary>
    public AdamW Optimizer => _optimizer;

    /// <summary>
    /// Gets the learning-rate schedule, or <see langword="null"/> until the first update or <see cref="Fit"/> fixes it
    /// (the batch size and epoch length it may need are known only then).
    /// </summary>
    public LearningRateSchedule? Schedule { get; private set; }

    /// <summary>Gets the number of updates done (including skipped ones): the 0-based index of the next update.</summary>
    public int Step { get; private set; }

    /// <summary>Gets the number of updates skipped for non-finite values.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Gets the 0-based epoch <see cref="Fit"/> is in, or resumes at.</summary>
    public int Epoch { get; private set; }

    /// <summary>Gets how many batches of <see cref="Epoch"/> are done.</summary>
    public int BatchInEpoch { get; private set; }

    /// <summary>Gets the learning rate of the latest update (NaN before the first).</summary>
    public double LastLearningRate { get; private set; } = double.NaN;

    /// <summary>Gets the global gradient L2 norm, before clipping, of the latest update (NaN before the first).</summary>
    public double LastGradientNorm { get; private set; } = double.NaN;

    /// <summary>
    /// Performs exactly one optimizer update on one logical batch: <see cref="TrainerOptions.AccumulationSteps"/>
    /// equal micro-batches, mean label-smoothed cross-entropy averaged over them, global-norm clipping, the
    /// schedule's learning rate for update <see cref="Step"/>, then AdamW.
    /// </summary>
    /// <param name="images">Float images [B, C, H, W] matching the model; on any device (moved to the model's).</param>
    /// <param name="labels">Class indices [B], int64, in [0, NumClasses).</param>
    /// <returns>The batch's mean loss (NaN or infinite when the update was skipped for that reason).</returns>
    /// <exception cref="ArgumentException">The batch does not fit the model or options (checked before any update).</exception>
    /// <exception cref="TrainingDivergedException">The loss or gradients are not finite and the options say to stop.</exception>
    public float TrainStep(Tensor images, Tensor labels)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int batch = CheckBatch(images, labels, _options.AccumulationSteps);
        var schedule = Schedule ??= ResolveSchedule(batch, stepsPerEpoch: null);
        int t = Step;
        double learningRate = schedule.GetLearningRate(t);
        ApplyPendingRngState();

        float loss;
        float norm;
        using (NewDisposeScope())
        {
            var lossTotal = ComputeGradients(images, labels, batch);
            var normTensor = _flat is null ? GradientClipping.ClipGlobalNorm(_parameters, _options.GradientClipNorm, _device) : FlatNormAndClip(_flat);
            // The one wait for the device per update: loss and norm travel together.
            var host = stack([lossTotal.to(ScalarType.Float32), normTensor]).cpu();
            var values = host.data<float>();
            loss = values[0];
            norm = values[1];
            if (float.IsFinite(loss) && float.IsFinite(norm))
            {
                foreach (var group in _optimizer.ParamGroups)
                {
                    group.LearningRate = learningRate;
                }

                if (_flat is null)
                {
                    _optimizer.step();
                }
                else
                {
                    _flat.Step();
                }
            }

            if (_flat is null)
            {
                // Free the gradients now rather than holding them until the next step (flat ones are kept and reused).
                Model.zero_grad();
            }
        }

        if (!float.IsFinite(loss) || !float.IsFinite(norm))
        {
            if (_options.NonFiniteHandling == NonFiniteHandling.Throw)
            {
                TrainerLog.NonFiniteStop(_logger, t, loss, norm);
                throw new TrainingDivergedException(t, loss, norm);
            }

            TrainerLog.NonFiniteSkip(_logger, t, loss, norm);
            SkippedSteps++;
        }

        Step = t + 1;
        LastLearningRate = learningRate;
        LastGradientNorm = norm;
        return loss;
    }

    /// <summary>Frees the optimizer's state (the AdamW moments). The model is not disposed.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _optimizer.Dispose();
            _flat?.Dispose();
            _pendingRngState?.Dispose();
        }
    }

    /// <summary>
    /// Leaves the gradients of one logical batch in the parameters (train mode, micro-batches as configured) and returns
    /// its mean loss as a detached scalar in the caller's scope. The batch must have passed <see cref="CheckBatch"/>.
    /// </summary>
    internal Tensor ComputeGradients(Tensor images, Tensor labels, int batch)
    {
        Model.train();
        if (_flat is null)
        {
            Model.zero_grad();
        }
        else
        {
            _flat.ZeroGradients();
        }

        images = images.to(_device);
        labels = labels.to(_device);
        int k = _options.AccumulationSteps;
        int micro = batch / k;
        var losses = new Tensor[k];
        for (int i = 0; i < k; i++)
        {
            using var scope = NewDisposeScope();
            var x = k == 1 ? images : images.narrow(0, i * micro, micro);
            var y = k == 1 ? labels : labels.narrow(0, i * micro, micro);
            var logits = Model.call(x);
            var loss = cross_entropy(logits, y, label_smoothing: _options.LabelSmoothing);
            // Equal micro-batches: the mean of their means is the batch mean, and so is the summed gradient of loss / k.
            if (k > 1)
            {
                loss = loss / k;
            }

            loss.backward();
            losses[i] = loss.detach().MoveToOuterDisposeScope();
        }

        return k == 1 ? losses[0] : stack(losses).sum();
    }

    /// <summary>The global gradient norm from the flat buffer, clipping it first if the options say so.</summary>
    private Tensor FlatNormAndClip(FlatAdamW flat)
    {
        var norm = flat.GradientNorm();
        if (_options.GradientClipNorm is double max)
        {
            flat.Clip(norm, max);
        }

        return norm;
    }

    /// <summary>Fixes the schedule from the options, the batch size (for scaling) and the epoch length (if known).</summary>
    private LearningRateSchedule ResolveSchedule(int batchSize, int? stepsPerEpoch)
    {
        var schedule = LearningRateSchedule.FromOptions(_options, batchSize, stepsPerEpoch);
        TrainerLog.ScheduleFixed(_logger, schedule);
        return schedule;
    }

    private void ApplyPendingRngState()
    {
        if (_pendingRngState is not null)
        {
            torch.random.set_rng_state(_pendingRngState);
            _pendingRngState.Dispose();
            _pendingRngState = null;
        }
    }
}
