using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// A linear layer's backward without its forward, for a recomputation whose output value nothing reads: the forward
/// returns zeros shaped like <c>x Wᵀ + b</c> (a memset instead of the product) and the backward is the linear's:
/// <c>∂x = g W</c>, <c>∂W = gᵀ x</c>, <c>∂b = Σ g</c>. Only correct where every consumer of the output needs just
/// its gradient (dropout, drop-path, a residual add), never its value (LayerScale's gamma would).
/// </summary>
internal sealed class OutputFreeLinearFunction : autograd.SingleTensorFunction<OutputFreeLinearFunction>
{
    private const string NeedsKey = "needs";

    public override string Name => nameof(OutputFreeLinearFunction);

    /// <summary>Runs the function on <c>(input, weight, bias or null)</c>, all in the product's dtype.</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias) => apply(input, weight, bias!);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = vars[2] as Tensor;
        ctx.save_for_backward([input, weight]);
        ctx.save_data(NeedsKey, new[] { input.requires_grad, weight.requires_grad, bias?.requires_grad == true });
        ctx.set_materialize_grads(false);
        long[] shape = [.. input.shape[..^1], weight.shape[0]];
        return zeros(shape, input.dtype, input.device);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        if (grad_output is null || grad_output.IsInvalid)
        {
            return [null!, null!, null!];
        }

        var saved = ctx.get_saved_variables();
        var (input, weight) = (saved[0], saved[1]);
        var needs = (bool[])ctx.get_data(NeedsKey);
        // What is handed back is freed by the recomputation's dispose scope, after the nested backward used it.
        using var flatGradient = grad_output.reshape(-1, weight.shape[0]);
        var inputGradient = needs[0] ? grad_output.matmul(weight) : null;
        Tensor? weightGradient = null;
        if (needs[1])
        {
            using var flatInput = input.reshape(-1, weight.shape[1]);
            using var transposed = flatGradient.t();
            weightGradient = transposed.mm(flatInput);
        }

        var biasGradient = needs[2] ? flatGradient.sum(0L, keepdim: false) : null;
        return [inputGradient!, weightGradient!, biasGradient!];
    }
}
