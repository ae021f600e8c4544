using System.ComponentModel.DataAnnotations;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Settings of a <see cref="Trainer"/>: AdamW, the learning-rate schedule, the update step, the epoch loop,
/// logging and checkpoints. Validated by <see cref="TrainerOptionsValidator"/> (the trainer's constructor too).
/// </summary>
/// <remarks>
/// The origin notebook's recipe is <c>LearningRate = 3e-3, Beta1 = 0.9, Beta2 = 0.999, WeightDecay = 0.3</c> with
/// batches of 2048 or 8192; on one GPU reach those batches with <see cref="AccumulationSteps"/>.
/// </remarks>
public sealed class TrainerOptions
{
    /// <summary>Gets or sets the peak learning rate (before any batch-size scaling).</summary>
    /// <value>The default is 1e-3.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Gets or sets AdamW's first-moment decay.</summary>
    /// <value>The default is 0.9.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Gets or sets AdamW's second-moment decay.</summary>
    /// <value>The default is 0.999.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Gets or sets the term added to AdamW's denominator.</summary>
    /// <value>The default is 1e-8.</value>
    [Range(0.0, double.MaxValue)]
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>
    /// Gets or sets the decoupled weight decay of the decayed group. Biases, norm weights (every parameter with
    /// ndim &lt;= 1), <c>pos_embed</c>, <c>cls_token</c>, <c>reg_token</c> and <c>dist_token</c> are never decayed (timm's rule).
    /// </summary>
    /// <value>The default is 0.05.</value>
    [Range(0.0, double.MaxValue)]
    public double WeightDecay { get; set; } = 0.05;

    /// <summary>
    /// Gets or sets whether the learning rate is scaled linearly by the logical batch size:
    /// <c>LearningRate * batch / LearningRateReferenceBatchSize</c> (DeiT, timm). Only the peak rate is scaled;
    /// <see cref="WarmupInitialLearningRate"/> and <see cref="MinLearningRate"/> are absolute.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool ScaleLearningRateByBatchSize { get; set; }

    /// <summary>Gets or sets the batch size at which the scaled learning rate equals <see cref="LearningRate"/>.</summary>
    /// <value>The default is 512.</value>
    [Range(1, int.MaxValue)]
    public int LearningRateReferenceBatchSize { get; set; } = 512;

    /// <summary>Gets or sets the shape of the schedule after the warmup.</summary>
    /// <value>The default is <see cref="Training.LearningRateDecay.Cosine"/>.</value>
    [EnumDataType(typeof(LearningRateDecay))]
    public LearningRateDecay LearningRateDecay { get; set; } = LearningRateDecay.Cosine;

    /// <summary>Gets or sets the number of updates of linear warmup. Set this or <see cref="WarmupEpochs"/>.</summary>
    /// <value>The default is 0.</value>
    [Range(0, int.MaxValue)]
    public int WarmupSteps { get; set; }

    /// <summary>
    /// Gets or sets the warmup length in epochs; <c>Trainer.Fit</c> converts it to
    /// <c>round(WarmupEpochs * BatchesPerEpoch)</c> updates. Set this or <see cref="WarmupSteps"/>.
    /// </summary>
    /// <value>The default is 0.</value>
    [Range(0.0, double.MaxValue)]
    public double WarmupEpochs { get; set; }

    /// <summary>
    /// Gets or sets the update index at which the decay reaches <see cref="MinLearningRate"/>. 0 lets
    /// <c>Trainer.Fit</c> use <c>Epochs * BatchesPerEpoch</c>.
    /// </summary>
    /// <value>The default is 0.</value>
    [Range(0, int.MaxValue)]
    public int TotalSteps { get; set; }

    /// <summary>Gets or sets the learning rate of the first warmup update.</summary>
    /// <value>The default is 1e-6.</value>
    [Range(0.0, double.MaxValue)]
    public double WarmupInitialLearningRate { get; set; } = 1e-6;

    /// <summary>Gets or sets the learning rate the decay ends at.</summary>
    /// <value>The default is 0.</value>
    [Range(0.0, double.MaxValue)]
    public double MinLearningRate { get; set; }

    /// <summary>Gets or sets the maximum global L2 norm of the gradients; <see langword="null"/> disables clipping.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? GradientClipNorm { get; set; }

    /// <summary>Gets or sets the label smoothing of the training cross-entropy (evaluation uses none).</summary>
    /// <value>The default is 0.1.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double LabelSmoothing { get; set; } = 0.1;

    /// <summary>
    /// Gets or sets the decay of an exponential moving average of the weights kept after every update (timm's
    /// <c>ModelEmaV3</c>: <c>ema = decay * ema + (1 - decay) * w</c>); <see langword="null"/> keeps none. timm's
    /// train.py uses 0.9998. See <see cref="Trainer.Ema"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double? EmaDecay { get; set; }

    /// <summary>
    /// Gets or sets whether the EMA decay warms up as ModelEmaV3's <c>use_warmup</c> does (<c>1 - (1 + n) ^ (-2/3)</c>
    /// after n updates, capped at <see cref="EmaDecay"/>), so early averages do not hold on to the initial weights.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool EmaWarmup { get; set; }

    /// <summary>
    /// Gets or sets layer-wise learning-rate decay (timm's <c>param_groups_layer_decay</c>, for fine-tuning): a
    /// parameter in layer i of n trains at <c>LayerDecay ^ (n - 1 - i)</c> times the scheduled rate, the head at 1.
    /// <see langword="null"/> trains every parameter at the scheduled rate. Needs a <see cref="Vit.Core.VisionTransformer"/>
    /// or a model that implements <see cref="ILayerDecayModel"/>; see <see cref="LayerDecayScales"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double? LayerDecay { get; set; }

    /// <summary>
    /// Gets or sets whether the model's blocks are gradient-checkpointed while training (timm's
    /// <c>set_grad_checkpointing</c>): each block keeps only its input and is recomputed in the backward, so activation
    /// memory drops to about one block's worth for about one more forward of compute per update. The trainer turns it on
    /// with <see cref="Vit.Core.IGradientCheckpointingModel.SetGradCheckpointing"/> on the model (or the first of its
    /// modules that implements it); <see langword="false"/> leaves the model's own setting alone. On the CPU a
    /// checkpointing trainer returns large freed blocks to the system (<c>CpuMemory.ReturnLargeBlocks</c>) instead of
    /// retaining them, so resident memory follows the live tensors: at ViT-B/16 the peak is 0.38x the plain step's
    /// instead of 0.61x, for about 0.2x more step time (BENCHMARKS.md, "Gradient checkpointing").
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool GradientCheckpointing { get; set; }

    /// <summary>
    /// Gets or sets the number of equal micro-batches one logical batch is split into before one update.
    /// The logical batch size must be divisible by it.
    /// </summary>
    /// <value>The default is 1.</value>
    [Range(1, int.MaxValue)]
    public int AccumulationSteps { get; set; } = 1;

    /// <summary>
    /// Gets or sets the dtype the model's matrix products run in while training and evaluating: forward, loss and
    /// backward run under <see cref="Vit.Core.Autocast.Enable"/>, while the parameters, gradients and AdamW moments stay
    /// fp32 (master weights) and the loss is computed in fp32. <see cref="ScalarType.BFloat16"/> suits GPUs from Ampere
    /// on and CPUs with avx512_bf16 or AMX; <see cref="ScalarType.Float16"/> (older GPUs) adds dynamic loss scaling
    /// (<see cref="InitialLossScale"/>). Modules that are not Vit's run in their weights' dtype (the trainer logs which);
    /// see docs/training.md, "Precision".
    /// </summary>
    /// <value>The default is <see cref="ScalarType.Float32"/> (autocast off).</value>
    [AllowedValues(ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16)]
    public ScalarType Precision { get; set; } = ScalarType.Float32;

    /// <summary>
    /// Gets or sets the loss scale fp16 training starts at (PyTorch's <c>GradScaler(init_scale)</c>): the loss is
    /// multiplied by the scale before backward so small fp16 gradients do not underflow, and the gradients are divided
    /// by it before the norm and clipping. An update whose gradients overflow is skipped and halves the scale; every
    /// <see cref="LossScaleGrowthInterval"/> finite updates in a row double it. Used only when <see cref="Precision"/>
    /// is <see cref="ScalarType.Float16"/>. The scale is a float32, as PyTorch's.
    /// </summary>
    /// <value>The default is 65536 (2^16, PyTorch's).</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double InitialLossScale { get; set; } = 65536;

    /// <summary>Gets or sets how many updates in a row without overflow double the fp16 loss scale (PyTorch's <c>growth_interval</c>).</summary>
    /// <value>The default is 2000.</value>
    [Range(1, int.MaxValue)]
    public int LossScaleGrowthInterval { get; set; } = 2000;

    /// <summary>Gets or sets what happens when a loss or gradient norm is NaN or infinite.</summary>
    /// <value>The default is <see cref="NonFiniteHandling.Throw"/>.</value>
    [EnumDataType(typeof(NonFiniteHandling))]
    public NonFiniteHandling NonFiniteHandling { get; set; } = NonFiniteHandling.Throw;

    /// <summary>Gets or sets the number of epochs <c>Trainer.Fit</c> trains for.</summary>
    /// <value>The default is 10.</value>
    [Range(1, int.MaxValue)]
    public int Epochs { get; set; } = 10;

    /// <summary>Gets or sets how often (in epochs) <c>Trainer.Fit</c> evaluates; 0 evaluates only at the end.</summary>
    /// <value>The default is 1.</value>
    [Range(0, int.MaxValue)]
    public int EvaluateEveryEpochs { get; set; } = 1;

    /// <summary>
    /// Gets or sets the seed of libtorch's global generator (dropout, drop-path), applied when the trainer is built;
    /// <see langword="null"/> leaves the generator as it is. Checkpoints record the generator's full state either way.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int? Seed { get; set; }

    /// <summary>Gets or sets how often (in updates) progress is reported and a metrics row is written.</summary>
    /// <value>The default is 10.</value>
    [Range(1, int.MaxValue)]
    public int LogEverySteps { get; set; } = 10;

    /// <summary>Gets or sets the CSV file metrics are appended to; <see langword="null"/> writes none.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? MetricsCsvPath { get; set; }

    /// <summary>Gets or sets the folder <c>Trainer.Fit</c> writes checkpoints to; <see langword="null"/> writes none.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Gets or sets how often (in updates) a checkpoint is written; 0 writes one at the end of each epoch.</summary>
    /// <value>The default is 0.</value>
    [Range(0, int.MaxValue)]
    public int CheckpointEverySteps { get; set; }

    /// <summary>Gets or sets how many of the most recent checkpoints are kept.</summary>
    /// <value>The default is 3.</value>
    [Range(1, int.MaxValue)]
    public int KeepLastCheckpoints { get; set; } = 3;

    /// <summary>Gets or sets the metric that picks the best checkpoint (kept as <c>best.safetensors</c>).</summary>
    /// <value>The default is <see cref="CheckpointMetric.ValidationTop1"/>.</value>
    [EnumDataType(typeof(CheckpointMetric))]
    public CheckpointMetric BestCheckpointMetric { get; set; } = CheckpointMetric.ValidationTop1;

    /// <summary>Returns a shallow copy, so a trainer is not affected by later changes to the caller's instance.</summary>
    internal TrainerOptions Clone() => (TrainerOptions)MemberwiseClone();
}
