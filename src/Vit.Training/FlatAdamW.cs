using TorchSharp;
using TorchSharp.Modules;
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
/// without one. Built only when all parameters share one dtype and device and the update is plain AdamW.
/// </remarks>
internal sealed class FlatAdamW : IDisposable
{
    private readonly List<AdamW.ParamGroup> _paramGroups;
    private readonly List<(Parameter Parameter, Tensor GradientView)> _views = [];
    private readonly List<(long Offset, long Length, List<AdamW.State> States)> _groups = [];
    private readonly Tensor _parameters;
    private readonly Tensor _gradients;
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;

    private FlatAdamW(AdamW optimizer, long total, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        _paramGroups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        _parameters = zeros(total, dtype, device).DetachFromDisposeScope();
        _gradients = zeros(total, dtype, device).DetachFromDisposeScope();
        _expAvg = zeros(total, dtype, device).DetachFromDisposeScope();
        _expAvgSq = zeros(total, dtype, device).DetachFromDisposeScope();
        var states = optimizer.state_dict().State;
        long offset = 0;
        int index = 0;
        using var noGrad = no_grad();
        foreach (var group in _paramGroups)
        {
            long start = offset;
            var groupStates = new List<AdamW.State>();
            foreach (var parameter in group.Parameters)
            {
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

    /// <summary>Flattens the optimizer's parameters and state, or returns null when they cannot share one buffer.</summary>
    public static FlatAdamW? TryCreate(AdamW optimizer)
    {
        var groups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        var parameters = groups.SelectMany(g => g.Parameters).ToList();
        if (parameters.Count == 0 || groups.Any(g => g.Options is not AdamW.Options { amsgrad: false, maximize: false }))
        {
            return null;
        }

        var dtype = parameters[0].dtype;
        var device = parameters[0].device;
        if (!parameters[0].is_floating_point() || parameters.Any(p => p.dtype != dtype || p.device != device || p.is_sparse))
        {
            return null;
        }

        return new FlatAdamW(optimizer, parameters.Sum(p => p.numel()), dtype, device);
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

    /// <summary>Gets the global L2 norm of all gradients (one kernel), as a float32 scalar on their device.</summary>
    public Tensor GradientNorm() => linalg.vector_norm(_gradients, 2).to(ScalarType.Float32);

    /// <summary>Scales all gradients by <c>min(1, maxNorm / (norm + 1e-6))</c>, as <c>clip_grad_norm_</c> does.</summary>
    public void Clip(Tensor norm, double maxNorm)
    {
        using var noGrad = no_grad();
        using var coefficient = full_like(norm, maxNorm).div(norm + 1e-6).clamp_max(1.0).to(_gradients.dtype);
        _gradients.mul_(coefficient);
    }

    /// <summary>One AdamW update of every group, with each group's current learning rate and options.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int g = 0; g < _groups.Count; g++)
        {
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
            var p = _parameters.narrow(0, offset, length);
            var grad = _gradients.narrow(0, offset, length);
            var expAvg = _expAvg.narrow(0, offset, length);
            var expAvgSq = _expAvgSq.narrow(0, offset, length);
            p.mul_(1 - (lr * weightDecay));
            expAvg.mul_(beta1).add_(grad, alpha: 1 - beta1);
            expAvgSq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
            var denom = (expAvgSq.sqrt() / Math.Sqrt(biasCorrection2)).add_(eps);
            p.addcdiv_(expAvg, denom, value: -lr / biasCorrection1);
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
        _expAvg.Dispose();
        _expAvgSq.Dispose();
    }
}
