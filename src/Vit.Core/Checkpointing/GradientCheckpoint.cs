using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Gradient (activation) checkpointing for one module, as PyTorch's reentrant <c>torch.utils.checkpoint</c>: the forward
/// runs without recording a graph and keeps only the module's input; the backward runs the module again with gradients
/// on and back-propagates through that fresh graph. Memory for activations drops to one input per checkpointed module
/// (plus one module's activations during backward) for about one extra forward of compute.
/// </summary>
/// <remarks>
/// The CPU random-number state is saved at the forward and restored for the recomputation, so dropout and drop-path
/// draw the same masks; the <see cref="Autocast"/> setting of the forward is restored too. CUDA generator state is not
/// reachable from TorchSharp 0.107: on CUDA, dropout masks of the recomputation differ (use dropout 0 there).
/// Gradients reach the module's parameters through <c>backward()</c> only (not <c>torch.autograd.grad</c>), as with
/// PyTorch's reentrant variant.
/// </remarks>
public static class GradientCheckpoint
{
    /// <summary>
    /// Runs <paramref name="module"/> on <paramref name="input"/>, checkpointed when gradients are being recorded and the
    /// input requires them; otherwise (inference, <c>no_grad</c>, an input that needs no gradient) a plain <c>call</c>.
    /// </summary>
    /// <param name="module">The module to run, e.g. one encoder block; it must not change its own state between the forward and the backward.</param>
    /// <param name="input">The module's input.</param>
    /// <returns>The module's output, whose backward recomputes the module.</returns>
    public static Tensor Run(nn.Module<Tensor, Tensor> module, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);

        // Without a gradient through the input no autograd node would be made and the module's parameters would get none.
        if (!is_grad_enabled() || !input.requires_grad)
        {
            return module.call(input);
        }

        // The generator state outlives the caller's dispose scope: the backward may run after it closed.
        var randomState = module.training ? random.get_rng_state().DetachFromDisposeScope() : null;
        var recompute = new RecomputeState(module, randomState, Autocast.Dtype);
        // TorchSharp's apply keeps an empty_like copy of the output per call (to materialise a missing gradient, which
        // CheckpointFunction turns off): made in this scope, it is freed here instead of living until the backward.
        using var scope = NewDisposeScope();
        return CheckpointFunction.apply(input, recompute).MoveToOuterDisposeScope();
    }
}
