using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Layer normalisation over the last dimension that follows <see cref="Autocast"/> (PyTorch's <c>nn.LayerNorm</c>
/// under <c>torch.autocast</c>, which puts it on the fp32 list; timm's ViT norms). Keys <c>weight</c> and <c>bias</c>
/// <c>[dim]</c>, as <c>nn.LayerNorm</c>'s. Inside an enabled scope it normalises in fp32 (a lower-precision input or
/// weight is cast up) and returns fp32; outside one it is the plain norm in the weights' dtype.
/// </summary>
public sealed class AutocastLayerNorm : nn.Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] _shape;

    /// <summary>Creates the norm with every scale one and every shift zero.</summary>
    /// <param name="dim">Size of the normalised last dimension.</param>
    /// <param name="eps">Added to the variance before the square root (timm's ViT uses 1e-6, PyTorch's default is 1e-5).</param>
    public AutocastLayerNorm(long dim, double eps = 1e-6)
        : base(nameof(AutocastLayerNorm))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        _shape = [dim];
        Epsilon = eps;
        weight = new Parameter(torch.ones(dim));
        bias = new Parameter(torch.zeros(dim));
        RegisterComponents();
    }

    /// <summary>Gets the epsilon added to the variance.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => Autocast.LayerNormOp(x, _shape, weight, bias, Epsilon);
}
