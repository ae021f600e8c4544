using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Root-mean-square normalisation over the last dimension, <c>x / sqrt(mean(x²) + eps) * weight</c> (Zhang and
/// Sennrich 2019; timm's <c>RmsNorm</c>, key <c>weight</c>, no bias). Computes in fp32 under <see cref="Autocast"/>
/// (a norm, on PyTorch's fp32 list).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Parameter weight;

    /// <summary>Creates the norm with every scale set to one.</summary>
    /// <param name="dim">Size of the last dimension.</param>
    /// <param name="eps">Added to the mean square before the square root.</param>
    public RmsNorm(int dim, double eps = 1e-6)
        : base(nameof(RmsNorm))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Epsilon = eps;
        weight = new Parameter(torch.ones(dim));
        RegisterComponents();
    }

    /// <summary>Gets the epsilon added to the mean square.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (Autocast.IsEnabled && x.dtype != ScalarType.Float32 && x.is_floating_point())
        {
            x = x.to_type(ScalarType.Float32);
        }

        var scale = Autocast.IsEnabled && weight.dtype != ScalarType.Float32 ? weight.to_type(ScalarType.Float32) : weight;
        using var epsilon = Epsilon.ToScalar();
        using var two = 2.ToScalar();
        x = x * x.pow(two).mean([-1], keepdim: true).add(epsilon, ScalarConstants.One).rsqrt();
        return (x * scale).MoveToOuterDisposeScope();
    }
}
