using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Per-channel learned scaling of a residual branch (Touvron et al., CaiT; timm's <c>LayerScale</c>, key <c>gamma</c>).
/// <see cref="EncoderLayer"/> uses an identity instead when LayerScale is off.
/// </summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private Parameter gamma;

    /// <summary>Creates the layer with every scale set to <paramref name="initValue"/>.</summary>
    /// <param name="dim">Number of channels (last dimension).</param>
    /// <param name="initValue">Initial scale, e.g. 1e-5 (DeiT III) or 1e-6 (CaiT).</param>
    public LayerScale(int dim, double initValue)
        : base(nameof(LayerScale))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        using var value = initValue.ToScalar();
        gamma = new Parameter(torch.empty(dim).fill_(value));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => x * gamma; // out of place: autograd may have saved x
}
