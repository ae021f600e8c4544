using TorchSharp;
using TorchSharp.Modules;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Runs TorchSharp's <see cref="AdamW"/> update on one contiguous buffer per quantity instead of tensor by tensor.
/// Every trained parameter, its gradient and its two AdamW moments become views into four flat buffers (parameters
/// in the optimizer's group order, so each group is one slice). An update is then about ten element-wise kernels
/// over whole groups, whatever the number of parameter tensors, instead of ten per tensor (about 800 for a 6-block
/// ViT), and the gradient norm and clipping are one kernel each. On a 2-core machine each small kernel is an OpenMP
/// region whose start and end cost about as much as the work; under load, far more.
/// </summary>
/// <remarks>
/// The arithmetic is TorchSharp's AdamW, operation for operation, so results are bit-identical per element. The
/// optimizer object and its states stay the public source of truth (checkpoints read and write them in place). Every
/// parameter gets a gradient each update (zero when it took no part), where TorchSharp's AdamW skips parameters
/// without one. All parameters must share one floating dtype and one device (the trainer's constructor says so
/// otherwise). <see cref="Parameters"/> and <see cref="Gradients"/> are the whole model in one tensor each: what a
/// data-parallel trainer broadcasts and all-reduces, and what loss-scale unscaling multiplies. The gradients are the
/// head of <see cref="ReductionBuffer"/>, whose <see cref="TailLength"/> last elements carry per-update scalars (the
/// loss, the batch size), so one all-reduce combines all of them.
/// </remarks>
internal sealed class FlatAdamW : IDisposable
{
    /// <summary>The number of gradient elements whose norm is taken in one piece.</summary>
    internal const int NormChunk = 1024;

    /// <summary>The number of scalars after the gradients in <see cref="ReductionBuffer"/>.</summary>
    internal const int TailLength = 2;

    /// <summary>Elements updated per kernel sequence by <see cref="Step"/> (16 MiB of float32): bounds its temporaries.</summary>
    internal const long UpdateChunk = 1L << 22;

    private readonly List<AdamW.ParamGroup> _paramGroups;
    private readonly double[] _learningRateScales;
    private readonly List<(Parameter Parameter, Tensor GradientView)> _views = [];
    private readonly List<(string Name, Parameter Parameter, long Offset)> _layout = [];
    private readonly List<(long Offset, long Length, List<AdamW.State> States)> _groups = [];
    private readonly Tensor _parameters;
    private readonly Tensor _reduction;
    private readonly Tensor _gradients;
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;

    private FlatAdamW(AdamW optimizer, IReadOnlyList<ParameterGroupPlan> plan, long total, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        _paramGroups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        _learningRateScales = plan.Select(g => g.LearningRateScale).ToArray();
        _parameters = zeros(total, dtype, device).DetachFromDisposeScope();
        _reduction = zeros(total + TailLength, dtype, device).DetachFromDisposeScope();
        _gradients = _reduction.narrow(0, 0, total).DetachFromDisposeScope();
        _expAvg = zeros(total, dtype, device).DetachFromDisposeScope();
        _expAvgSq = zeros(total, dtype, device).DetachFromDisposeScope();
        var states = optimizer.state_dict().State;
        long offset = 0;
        int index = 0;
        using var noGrad = no_grad();
        foreach (var planned in plan)
        {
            long start = offset;
            var groupStates = new List<AdamW.State>();
            foreach (var (name, parameter) in planned.Parameters)
            {
                _layout.Add((name, parameter, offset));
                var state = (AdamW.State)states[index++];
                long n = parameter.numel();
                _parameters.narrow(0, offset, n).copy_(parameter.detach().reshape(-1));
                _expAvg.narrow(0, offset, n).copy_(state.exp_avg.reshape(-1));
                _expAvgSq.narrow(0, offset, n).copy_(state.exp_avg_sq.reshape(-1));
                parameter.set_(_parameters.narrow(0, offset, n).view(parameter.shape));
                state.exp_avg.Dispose();
                state.exp_avg_sq.Dispose();
                state.exp_avg = _expAvg.narrow(0, offset, n).view(parameter.shape).DetachFromDisposeScope();
                state.exp_avg_sq = _expAvgSq.narrow(0, offset, n).view(parameter.shape).DetachFromDisposeScope();
                _views.Add((parameter, _gradients.narrow(0, offset, n).view(parameter.shape).DetachFromDisposeScope()));
                groupStates.Add(state);
                offset += n;
            }

            _groups.Add((start, offset - start, groupStates));
        }
    }

    /// <summary>Gets every trained parameter in one flat tensor (the parameters are views of it), group by group.</summary>
    public Tensor Parameters => _parameters;

    /// <summary>Gets every gradient in one flat tensor laid out as <see cref="Parameters"/>; backward accumulates into it.</summary>
    public Tensor Gradients => _gradients;

    /// <summary>Gets <see cref="Gradients"/> followed by <see cref="TailLength"/> scalars: the buffer a data-parallel update all-reduces.</summary>
    public Tensor ReductionBuffer => _reduction;

    /// <summary>Gets the last <see cref="TailLength"/> elements of <see cref="ReductionBuffer"/>.</summary>
    public Tensor ReductionTail => _reduction.narrow(0, _gradients.numel(), TailLength);

    /// <summary>Gets AdamW's first moments in one flat tensor laid out as <see cref="Parameters"/>.</summary>
    public Tensor FirstMoments => _expAvg;

    /// <summary>Gets AdamW's second moments in one flat tensor laid out as <see cref="Parameters"/>.</summary>
    public Tensor SecondMoments => _expAvgSq;

    /// <summary>Gets each trained parameter's name and place in the flat buffers, in the optimizer's state order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter, long Offset)> Layout => _layout;

    /// <summary>Returns the slice of a flat buffer laid out as <see cref="Parameters"/> that belongs to parameter <paramref name="index"/> of <see cref="Layout"/>, shaped like it.</summary>
    public Tensor View(Tensor flat, int index)
    {
        var (_, parameter, offset) = _layout[index];
        return flat.narrow(0, offset, parameter.numel()).view(parameter.shape);
    }

    /// <summary>
    /// Flattens the parameters and state of an optimizer built from <paramref name="plan"/> (same groups, same order).
    /// </summary>
    /// <exception cref="ArgumentException">The parameters do not share one floating dtype and device, or one is sparse.</exception>
    public static FlatAdamW Create(AdamW optimizer, IReadOnlyList<ParameterGroupPlan> plan)
    {
        var named = plan.SelectMany(g => g.Parameters).ToList();
        var (firstName, first) = named[0];
        if (!first.is_floating_point())
        {
            throw new ArgumentException($"The trainer trains floating-point parameters; '{firstName}' is {first.dtype}. Freeze it (requires_grad = false) or convert it.", nameof(plan));
        }

        foreach (var (name, parameter) in named)
        {
            // TorchSharp's Device has no value equality: compare its type and index.
            if (parameter.dtype != first.dtype || parameter.device_type != first.device_type || parameter.device_index != first.device_index || parameter.is_sparse)
            {
                throw new ArgumentException(
                    $"The trainer keeps all trained parameters in one buffer, so they must share one dtype and device: '{firstName}' is {first.dtype} on {first.device} but '{name}' is {(parameter.is_sparse ? "sparse " : string.Empty)}{parameter.dtype} on {parameter.device}. Move the whole model with model.to(device, dtype) first.",
                    nameof(plan));
            }
        }

        return new FlatAdamW(optimizer, plan, named.Sum(p => p.Parameter.numel()), first.dtype, first.device);
    }

    /// <summary>Zeroes the flat gradient and (re)attaches each parameter's gradient view, so backward accumulates into it.</summary>
    public void ZeroGradients()
    {
        _gradients.zero_();
        foreach (var (parameter, view) in _views)
        {
            parameter.grad = view;
        }
    }

    /// <summary>
    /// Gets the global L2 norm of all gradients as a float32 scalar on their device: the norm of the norms of
    /// <see cref="NormChunk"/>-element chunks, which rounds like PyTorch's norm of per-tensor norms (one float32
    /// reduction over millions of elements drifts by about 3e-6 relative), in three kernels.
    /// </summary>
    public Tensor GradientNorm()
    {
        long whole = _gradients.numel() / NormChunk * NormChunk;
        var chunks = linalg.vector_norm(_gradients.narrow(0, 0, whole).view(-1, NormChunk), 2, dims: [1]);
        if (whole < _gradients.numel())
        {
            chunks = cat([chunks, linalg.vector_norm(_gradients.narrow(0, whole, _gradients.numel() - whole), 2).reshape(1)]);
        }

        return linalg.vector_norm(chunks, 2).to(ScalarType.Float32);
    }

    /// <summary>Divides all gradients by the loss scale (multiplies them by <paramref name="inverseScale"/>, a host value: no device wait), as <c>GradScaler.unscale_</c> does.</summary>
    public void Unscale(float inverseScale)
    {
        using var noGrad = no_grad();
        using var factor = inverseScale.ToScalar();
        _gradients.mul_(factor);
    }

    /// <summary>Scales all gradients by <c>min(1, maxNorm / (norm + 1e-6))</c>, as <c>clip_grad_norm_</c> does.</summary>
    public void Clip(Tensor norm, double maxNorm)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var limit = maxNorm.ToScalar();
        using var epsilon = 1e-6.ToScalar();
        using var one = 1.0.ToScalar();
        var coefficient = full_like(norm, limit).div(norm.add(epsilon, ScalarConstants.One)).clamp_max(one).to(_gradients.dtype);
        _gradients.mul_(coefficient);
    }

    /// <summary>
    /// One AdamW update of every group at <paramref name="learningRate"/> times the group's scale (1 unless layer decay
    /// planned otherwise); the rates are also left on the optimizer's groups, where users read them.
    /// </summary>
    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int g = 0; g < _groups.Count; g++)
        {
            _paramGroups[g].LearningRate = learningRate * _learningRateScales[g];
            var (offset, length, states) = _groups[g];
            if (length == 0)
            {
                continue;
            }

            var options = (AdamW.Options)_paramGroups[g].Options;
            double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
            double eps = options.eps!.Value, weightDecay = options.weight_decay!.Value;
            long step = ++states[0].step;
            for (int i = 1; i < states.Count; i++)
            {
                states[i].step = step;
            }

            double biasCorrection1 = 1 - Math.Pow(beta1, step);
            double biasCorrection2 = 1 - Math.Pow(beta2, step);
            // Explicit Scalars, disposed after the loop: an implicit one can be freed by another thread's garbage
            // collection while libtorch reads it.
            using var decayFactor = (1 - (lr * weightDecay)).ToScalar();
            using var beta1Scalar = beta1.ToScalar();
            using var gradientWeight = (1 - beta1).ToScalar();
            using var beta2Scalar = beta2.ToScalar();
            using var squareWeight = (1 - beta2).ToScalar();
            using var correction2 = Math.Sqrt(biasCorrection2).ToScalar();
            using var epsScalar = eps.ToScalar();
            using var stepSize = (-lr / biasCorrection1).ToScalar();
            // In chunks, so the denominator's temporary is at most one chunk (whole, it would be one more copy of the
            // group's parameters on top of the step's peak: 346 MB for ViT-B/16).
            for (long start = 0; start < length; start += UpdateChunk)
            {
                using var chunkScope = NewDisposeScope();
                long n = Math.Min(UpdateChunk, length - start);
                var p = _parameters.narrow(0, offset + start, n);
                var grad = _gradients.narrow(0, offset + start, n);
                var expAvg = _expAvg.narrow(0, offset + start, n);
                var expAvgSq = _expAvgSq.narrow(0, offset + start, n);
                p.mul_(decayFactor);
                expAvg.mul_(beta1Scalar).add_(grad, alpha: gradientWeight);
                expAvgSq.mul_(beta2Scalar).addcmul_(grad, grad, value: squareWeight);
                var denom = expAvgSq.sqrt().div_(correction2).add_(epsScalar, ScalarConstants.One);
                p.addcdiv_(expAvg, denom, value: stepSize);
            }
        }
    }

    public void Dispose()
    {
        foreach (var (_, view) in _views)
        {
            view.Dispose();
        }

        _parameters.Dispose();
        _gradients.Dispose();
        _reduction.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
    }
}
