using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// The custom autograd function behind <see cref="GradientCheckpoint"/>: forward without a graph (autograd runs it under
/// <c>no_grad</c>), backward by recomputing the module with gradients on.
/// </summary>
internal sealed class CheckpointFunction : autograd.SingleTensorFunction<CheckpointFunction>
{
    private const string StateKey = "recompute";

    // Gradients handed back to libtorch, which copies them as it receives them: disposed at the next backward on the
    // thread, not by the caller's dispose scope at the end of the step (that would keep every block's gradient alive).
    [ThreadStatic]
    private static List<Tensor>? t_returned;

    public override string Name => nameof(CheckpointFunction);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var state = (RecomputeState)vars[1];
        ctx.save_for_backward([input]);
        ctx.save_data(StateKey, state);
        // A missing output gradient reaches backward as undefined instead of a zeros tensor made from a cached output copy.
        ctx.set_materialize_grads(false);
        // Intermediates left to a dispose scope would otherwise live until the caller's scope ends (the whole step).
        using var scope = NewDisposeScope();
        return state.Module.call(input).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ReleaseReturnedGradients();
        if (grad_output is null || grad_output.IsInvalid)
        {
            // The output did not reach the loss: no gradient for the input or the module.
            return [null!, null!];
        }

        var state = (RecomputeState)ctx.get_data(StateKey);
        Tensor? gradient;
        // Everything the recomputation makes is freed here, not by the caller's scope at the end of the step: that
        // would keep every block's recomputed activations alive at once and undo the saving.
        using (var scope = NewDisposeScope())
        {
            var input = ctx.get_saved_variables()[0];
            var leaf = input.detach().requires_grad_(true);
            using var restoredRandom = RestoreRandomState(state.CpuRandomState);
            using (enable_grad())
            using (Autocast.Enable(state.AutocastDtype ?? ScalarType.Float32))
            {
                var output = state.Module is IRecomputableModule recomputable ? recomputable.RecomputeForBackward(leaf) : state.Module.call(leaf);
                autograd.backward(output, grad_output);
            }

            grad_output.Dispose();
            gradient = leaf.grad?.DetachFromDisposeScope();
        }

        if (gradient is not null)
        {
            (t_returned ??= []).Add(gradient);
        }

        return [gradient!, null!];
    }

    private static void ReleaseReturnedGradients()
    {
        if (t_returned is { Count: > 0 } returned)
        {
            returned.ForEach(t => t.Dispose());
            returned.Clear();
        }
    }

    /// <summary>Puts the forward's generator state in place and returns a scope that puts the current one back.</summary>
    private static RandomStateRestorer? RestoreRandomState(Tensor? forwardState)
    {
        if (forwardState is null)
        {
            return null;
        }

        var current = random.get_rng_state();
        random.set_rng_state(forwardState);
        return new RandomStateRestorer(current);
    }
}
