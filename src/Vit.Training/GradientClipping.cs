using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Global-norm gradient clipping computed on the device, as PyTorch's <c>clip_grad_norm_</c> does it:
/// <c>total = ||(||g_1||, ..., ||g_n||)||</c>, <c>g *= min(1, max_norm / (total + 1e-6))</c>.
/// </summary>
/// <remarks>
/// TorchSharp's <c>clip_grad_norm_</c> returns a <see cref="double"/>, i.e. it waits for the device on every call;
/// this keeps the norm as a tensor so the trainer can fetch it together with the loss in one transfer.
/// </remarks>
internal static class GradientClipping
{
    /// <summary>Returns the global L2 norm of the gradients (a float32 scalar on their device), clipping them first if asked.</summary>
    /// <param name="parameters">The parameters whose gradients are measured; those without a gradient are ignored.</param>
    /// <param name="maxNorm">The maximum norm, or <see langword="null"/> to only measure.</param>
    /// <param name="device">The device of the result when no parameter has a gradient.</param>
    /// <returns>The norm before clipping, registered in the caller's dispose scope.</returns>
    public static Tensor ClipGlobalNorm(IReadOnlyList<Parameter> parameters, double? maxNorm, Device device)
    {
        var grads = new List<Tensor>(parameters.Count);
        foreach (var parameter in parameters)
        {
            var grad = parameter.grad;
            if (grad is not null)
            {
                grads.Add(grad);
            }
        }

        if (grads.Count == 0)
        {
            return zeros(1, ScalarType.Float32, device).squeeze();
        }

        var norms = new Tensor[grads.Count];
        for (int i = 0; i < grads.Count; i++)
        {
            norms[i] = linalg.vector_norm(grads[i].detach(), 2).to(ScalarType.Float32);
        }

        var total = linalg.vector_norm(stack(norms), 2);
        if (maxNorm is double max)
        {
            using (no_grad())
            {
                var coefficient = full_like(total, max).div(total + 1e-6).clamp_max(1.0);
                foreach (var grad in grads)
                {
                    grad.mul_(coefficient.to(grad.dtype));
                }
            }
        }

        return total;
    }
}
