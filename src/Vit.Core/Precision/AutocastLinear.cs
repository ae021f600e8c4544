using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// A fully connected layer, <c>y = x Wᵀ + b</c>, that follows <see cref="Autocast"/> (PyTorch's <c>nn.Linear</c> under
/// <c>torch.autocast</c>; timm's blocks use <c>nn.Linear</c>). Keys <c>weight</c> <c>[out, in]</c> and <c>bias</c>
/// <c>[out]</c>, as <c>nn.Linear</c>'s. Inside an enabled scope the input, weight and bias are cast to
/// <see cref="Autocast.Dtype"/> for the product and the output stays in it; outside one it is the plain product in the
/// weights' dtype.
/// </summary>
public sealed class AutocastLinear : nn.Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Parameter weight;
    private readonly Parameter? bias;

    /// <summary>Creates the layer with PyTorch's default initialisation (Kaiming-uniform weight, uniform bias within <c>±1/√in</c>).</summary>
    /// <param name="inFeatures">Width of the input's last dimension.</param>
    /// <param name="outFeatures">Width of the output's last dimension.</param>
    /// <param name="hasBias">Whether the layer adds a learned bias.</param>
    /// <param name="device">Where the parameters live (the default device when <see langword="null"/>).</param>
    /// <param name="dtype">The parameters' dtype (the default dtype when <see langword="null"/>).</param>
    public AutocastLinear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(AutocastLinear))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        weight = new Parameter(torch.empty(outFeatures, inFeatures, dtype, device));
        bias = hasBias ? new Parameter(torch.empty(outFeatures, dtype, device)) : null;
        DefaultInitialization.Apply(weight, bias, fanIn: inFeatures);
        RegisterComponents();
    }

    /// <summary>Gets the weight <c>[out, in]</c> (key <c>weight</c>).</summary>
    public Parameter Weight => weight;

    /// <summary>Gets the bias <c>[out]</c> (key <c>bias</c>), or <see langword="null"/> when the layer has none.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => Autocast.LinearOp(x, weight, bias);

    /// <summary>The layer's gradients for a recomputation that never reads its output: zeros instead of the product.</summary>
    internal Tensor OutputFreeForward(Tensor x) => Autocast.OutputFreeLinearOp(x, weight, bias);
}
