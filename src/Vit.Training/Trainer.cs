using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Trains any <c>nn.Module&lt;Tensor, Tensor&gt;</c> (a <see cref="VisionTransformer"/> or your own model) as timm would:
/// one <see cref="TrainStep"/> is one AdamW update on one logical batch (split into
/// <see cref="TrainerOptions.AccumulationSteps"/> micro-batches), with cross-entropy on class indices or soft targets
/// (or your <see cref="Loss"/>), global-norm clipping, a warmup schedule, optional layer-wise learning-rate decay and
/// an EMA of the weights; <c>Fit</c> runs epochs over a <see cref="Vit.Data.BatchLoader"/> or any sequence of batches,
/// with evaluation, callbacks, logging and checkpoints.
/// </summary>
/// <remarks>
/// <para>The trainer runs on the device of the model's parameters. Move, convert and load the model
/// (<c>model.to(device)</c>, weights) before creating the trainer: the trainer keeps the parameters in one flat buffer,
/// and a model whose parameters were replaced afterwards (by <c>to</c>, <c>half</c>, <c>ResetClassifier</c>) makes
/// the next <see cref="TrainStep"/> throw <see cref="InvalidOperationException"/> rather than update stale tensors. One
/// model has one trainer at a time: a second constructor on parameters another undisposed trainer trains throws.</para>
/// <para>Each update waits for the device once, to fetch the loss and gradient norm together (the non-finite check
/// and, in fp16, the overflow check of loss scaling need them before the optimizer may touch the weights). Class indices on the CPU are range-checked there, before
/// they are copied to the device; indices already on another device are checked there and fetched with that same
/// wait, and the loss reads them clamped, so a bad label fails with a message instead of a device-side assert.</para>
/// <para>Data parallelism: with an <see cref="IProcessGroup"/> (Vit.Distributed's <c>MpiCommunicator</c> under
/// <c>mpirun -np N</c>) every rank builds the same trainer; the constructor checks that the ranks' options and models
/// agree and gives every rank rank 0's weights, each update all-reduces the flat gradient buffer once (before
/// anything reads it: every rank then clips and steps alike, and the replicas stay bit-identical) and then gives every
/// rank rank 0's buffers (BatchNorm statistics, which each rank's forward moved with its own share, as PyTorch's
/// DistributedDataParallel with <c>broadcast_buffers</c>), <c>Fit(BatchLoader)</c> and <c>Evaluate(BatchLoader)</c> take this rank's share of every global batch, evaluation
/// counts are summed across the ranks, and only rank 0 logs and writes metrics and checkpoints (docs/distributed.md).</para>
/// <para>A trainer is not thread-safe. On the CPU the trainer calls <see cref="CpuMemory.RetainFreedMemory"/>, so the
/// process keeps freed tensor memory for reuse instead of returning it and faulting it in again every step (opt out
/// with the environment variable <c>VIT_RETAIN_FREED_MEMORY=0</c>, or call <see cref="CpuMemory.ReturnLargeBlocks"/>
/// after creating the trainer). That makes CPU steps faster, and resident memory then creeps up with glibc's heap
/// fragmentation instead of staying at the live tensors' peak (BENCHMARKS.md, "Memory runs";
/// <see cref="CpuMemory.RetainFreedMemory"/> says how to keep it flat). When the model checkpoints its blocks at
/// creation (<see cref="TrainerOptions.GradientCheckpointing"/>, or the model's own switch) it calls
/// <see cref="CpuMemory.ReturnLargeBlocks"/> instead: memory is what checkpointing is for (call
/// <see cref="CpuMemory.RetainFreedMemory"/> after creating the trainer to trade it back for speed).</para>
/// </remarks>
public sealed partial class Trainer : IDisposable
{
    private readonly TrainerOptions _options;
    private readonly ILogger _logger;
    private readonly TrainedParameters _trained;
    private readonly AdamW _optimizer;
    private readonly FlatAdamW _flat;
    private readonly ModelEma? _ema;
    private readonly BatchChecks _checks;
    private readonly Evaluator _evaluator;
    private readonly GradientPass _gradients;
    private readonly GeneratorState _generator;
    private readonly DataParallel? _parallel;
    private readonly TrainingCounters _counters = new();
    private readonly LossScaler _scaler;
    private readonly TrainerCheckpoint _checkpoint;
    private readonly TrainerCallbacks _callbacks = [];
    private readonly StopRequest _stop = new();
    private bool _disposed;

    /// <summary>Creates a trainer for <paramref name="model"/>.</summary>
    /// <param name="model">The model, already on its device with its weights loaded; any module from images to logits.</param>
    /// <param name="options">The settings; copied, so later changes to the instance do not affect the trainer.</param>
    /// <param name="logger">Receives step, epoch and warning events; <see langword="null"/> logs nothing.</param>
    /// <exception cref="OptionsValidationException">The options cannot work (the message lists each problem).</exception>
    /// <exception cref="ArgumentException">The model cannot be trained as asked: no trainable parameter, no classifier
    /// head, parameters on several devices or dtypes, or <see cref="TrainerOptions.LayerDecay"/> on a model that does not
    /// say its layers.</exception>
    /// <exception cref="InvalidOperationException">Another trainer that was not disposed trains this model's parameters.</exception>
    public Trainer(nn.Module<Tensor, Tensor> model, TrainerOptions options, ILogger<Trainer>? logger = null)
        : this(model, options, processGroup: null, logger)
    {
    }

    /// <summary>
    /// Creates one rank's trainer for data-parallel training over <paramref name="processGroup"/> (every rank calls
    /// this with the same options and architecture): checks that the ranks agree, then gives every rank rank 0's
    /// weights. Each update then averages the ranks' gradients with one all-reduce of the flat gradient buffer.
    /// </summary>
    /// <param name="model">This rank's replica, already on its device; its weights are replaced by rank 0's.</param>
    /// <param name="options">The settings, the same on every rank.</param>
    /// <param name="processGroup">The ranks (Vit.Distributed's <c>MpiCommunicator</c>), or <see langword="null"/> for one process.</param>
    /// <param name="logger">Receives the events on rank 0 (the other ranks log nothing: their events are rank 0's).</param>
    /// <exception cref="OptionsValidationException">The options cannot work.</exception>
    /// <exception cref="ArgumentException">The model cannot be trained as asked (also: parameters that are not float32 or float64).</exception>
    /// <exception cref="InvalidOperationException">Another trainer that was not disposed trains this model's parameters.</exception>
    /// <remarks>Ranks whose options, parameters or buffers differ all throw the process group's mismatch exception
    /// (Vit.Distributed: <c>SettingsMismatchException</c>) naming the first difference.</remarks>
    public Trainer(nn.Module<Tensor, Tensor> model, TrainerOptions options, IProcessGroup? processGroup, ILogger<Trainer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        new TrainerOptionsValidator().ThrowIfInvalid(options);
        _options = options.Clone();
        if (model is VisionTransformer { Options.NumClasses: < 1 })
        {
            throw new ArgumentException("The model has no classifier head (NumClasses is 0); call ResetClassifier(n) before creating the trainer.", nameof(model));
        }

        if (_options.GradientCheckpointing)
        {
            GradientCheckpointingSwitch.TurnOn(model);
        }

        _parallel = processGroup is null ? null : new DataParallel(processGroup);
        // Rank 0 speaks for the job: the other ranks' events are the same.
        _logger = _parallel is { IsRoot: false } ? NullLogger.Instance : (ILogger?)logger ?? NullLogger.Instance;
        _generator = new GeneratorState(_parallel?.Rank ?? 0);
        Model = model;
        var scales = _options.LayerDecay is double layerDecay ? LayerDecayScales.For(model, layerDecay) : null;
        _trained = TrainedParameters.Claim(model);
        try
        {
            ThrowIfNotMasterWeights(_trained, _options.Precision, nameof(model));
            var plan = AdamWParameterGroups.Plan(_trained.Items, _options.WeightDecay, scales);
            _optimizer = AdamWParameterGroups.Create(plan, _options.LearningRate, _options.Beta1, _options.Beta2, _options.Epsilon);
            // Parameters, gradients and moments in flat buffers: updates and norms cost a few kernels, not hundreds.
            _flat = FlatAdamW.Create(_optimizer, plan);
            if (_parallel is not null)
            {
                // Before the EMA copies the weights: every replica starts from rank 0's.
                _parallel.Join(model, _options, _flat);
                TrainerLog.JoinedProcessGroup(_logger, _parallel.Size);
            }
        }
        catch
        {
            _flat?.Dispose();
            _optimizer?.Dispose();
            _trained.Dispose();
            throw;
        }

        var device = _trained.Items[0].Parameter.device;
        if (device.type == DeviceType.CPU)
        {
            if (GradientCheckpointingSwitch.Find(model) is { GradientCheckpointing: true })
            {
                // Checkpointing is there to save memory, and under it a retaining heap grows step after step
                // (ViT-B/16: resident peak 0.61x of the plain step's after 3 steps instead of 0.38x; BENCHMARKS.md).
                CpuMemory.ReturnLargeBlocks();
            }
            else
            {
                // Steps allocate and free the same ~GB of activations every time: reuse the pages instead of
                // faulting them in again (about 20% of a CPU step's time otherwise; see CpuMemory).
                CpuMemory.RetainFreedMemory();
            }

            // Flattening freed the model's original parameters and the optimizer's first moments (~4 x the weights):
            // return those pages now, so they do not stay resident beside the steps' activations.
            CpuMemory.ReleaseFreedMemory();
        }

        _ema = _options.EmaDecay is double decay ? new ModelEma(model, _flat, decay, _options.EmaWarmup) : null;
        _checks = new BatchChecks(model);
        _evaluator = new Evaluator(model, device, _checks, _options.Precision);
        _scaler = new LossScaler(_options.Precision == ScalarType.Float16, _options.InitialLossScale, _options.LossScaleGrowthInterval);
        _gradients = new GradientPass(model, _flat, _scaler, device, _options);
        if (_options.Precision != ScalarType.Float32 && Autocast.UncoveredModules(model) is { Count: > 0 } uncovered)
        {
            TrainerLog.UncoveredModules(_logger, _options.Precision, string.Join(", ", uncovered.Select(name => name.Length == 0 ? "(the model itself)" : name)));
        }

        var parts = new List<ICheckpointPart> { new ModelStatePart(model), new AdamWStatePart(_optimizer, _flat), _generator, new LossScalePart(_scaler, _logger) };
        if (_ema is not null)
        {
            parts.Add(new EmaStatePart(_ema, _flat));
        }

        string? modelOptions = model is VisionTransformer vit ? CheckpointState.Serialize(vit.Options) : null;
        _checkpoint = new TrainerCheckpoint(parts, modelOptions, hasEma: _ema is not null, _logger);
        if (_options.Seed is int seed)
        {
            // Each rank its own dropout and drop-path masks (seed + rank, as timm's train.py): rank 0 draws what one process draws.
            torch.manual_seed(seed + (_parallel?.Rank ?? 0));
        }
        else if (_parallel is { Rank: > 0 } group)
        {
            torch.manual_seed(torch.random.initial_seed() + group.Rank);
        }
    }

    /// <summary>Creates a trainer with options from dependency injection.</summary>
    /// <param name="model">The model, already on its device with its weights loaded.</param>
    /// <param name="options">The settings.</param>
    /// <param name="logger">Receives step, epoch and warning events.</param>
    public Trainer(nn.Module<Tensor, Tensor> model, IOptions<TrainerOptions> options, ILogger<Trainer>? logger = null)
        : this(model, (options ?? throw new ArgumentNullException(nameof(options))).Value, logger)
    {
    }

    /// <summary>Gets the model being trained.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>Gets the ranks this trainer trains with, or <see langword="null"/> for one process.</summary>
    public IProcessGroup? ProcessGroup => _parallel?.Group;

    /// <summary>
    /// Gets whether this trainer is the one that writes files and logs: true in one process and on rank 0 of a
    /// data-parallel job (callbacks that write, such as <see cref="TensorBoardCallback"/>, check it).
    /// </summary>
    public bool IsRoot => _parallel?.IsRoot ?? true;

    /// <summary>Gets a copy of the trainer's options.</summary>
    public TrainerOptions Options => _options.Clone();

    /// <summary>
    /// Gets the AdamW optimizer: its groups hold the learning rates of the latest update (and its states the moments).
    /// Without <see cref="TrainerOptions.LayerDecay"/> the groups are the non-decayed, then the decayed parameters.
    /// </summary>
    public AdamW Optimizer => _optimizer;

    /// <summary>Gets the moving average of the weights, or <see langword="null"/> when <see cref="TrainerOptions.EmaDecay"/> is not set.</summary>
    public ModelEma? Ema => _ema;

    /// <summary>
    /// Gets or initialises the training loss: <c>(logits, targets) =&gt; mean loss</c> as a scalar, for anything
    /// cross-entropy does not cover (binary cross-entropy, distillation). <see langword="null"/> (the default) trains
    /// with PyTorch's <c>cross_entropy</c> on class indices or probabilities with <see cref="TrainerOptions.LabelSmoothing"/>.
    /// </summary>
    /// <remarks>
    /// It is called once per micro-batch with that micro-batch's rows of the targets (which may then be any tensor with
    /// B rows, on any device: they are moved to the model's). Label smoothing is the loss's own business. Evaluation
    /// still measures cross-entropy and accuracy against class indices or probabilities.
    /// </remarks>
    public Func<Tensor, Tensor, Tensor>? Loss { get; init; }

    /// <summary>Gets the callbacks, called in order after every update and around <c>Fit</c>'s epochs.</summary>
    public IList<ITrainerCallback> Callbacks => _callbacks;

    /// <summary>Frees the optimizer's state (the AdamW moments, the EMA) and releases the model for another trainer. The model is not disposed.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _optimizer.Dispose();
            _flat.Dispose();
            _ema?.Free();
            _generator.Dispose();
            _trained.Dispose();
        }
    }

    /// <summary>Mixed precision trains fp32 master weights; lower-precision parameters would make the optimizer update in that precision.</summary>
    private static void ThrowIfNotMasterWeights(TrainedParameters trained, ScalarType precision, string paramName)
    {
        if (precision == ScalarType.Float32)
        {
            return;
        }

        foreach (var (name, parameter) in trained.Items.Select(item => (item.Name, item.Parameter)))
        {
            if (parameter.dtype != ScalarType.Float32)
            {
                throw new ArgumentException(
                    $"TrainerOptions.Precision is {precision}: mixed precision keeps fp32 master weights and casts them per forward, but parameter '{name}' is {parameter.dtype}. Keep the model in float32 (model.to(ScalarType.Float32)), or train the converted model with Precision = Float32.",
                    paramName);
            }
        }
    }
}
