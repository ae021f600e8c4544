using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// SwiGLU with separate gate and value projections (timm's <c>SwiGLU</c>; AIMv2): <c>fc2(norm(drop(act(fc1_g(x)) *
/// fc1_x(x))))</c>. Keys <c>fc1_g.*</c>, <c>fc1_x.*</c>, <c>norm.*</c> (optional), <c>fc2.*</c>. Under
/// <see cref="Autocast"/> the products run in <see cref="Autocast.Dtype"/>.
/// </summary>
public sealed class SwiGluFeedForward : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly AutocastLinear fc1_g;
    private readonly AutocastLinear fc1_x;
    private readonly Module<Tensor, Tensor> act;
    private readonly Module<Tensor, Tensor> drop1;
    private readonly Module<Tensor, Tensor> norm;
    private readonly AutocastLinear fc2;
    private readonly Module<Tensor, Tensor> drop2;

    /// <summary>Creates the MLP.</summary>
    /// <param name="inFeatures">Input and output width.</param>
    /// <param name="hiddenFeatures">Width of the gate and of the value.</param>
    /// <param name="activation">The gate's activation (SiLU for SwiGLU).</param>
    /// <param name="bias">Whether the three projections have biases.</param>
    /// <param name="hiddenNorm">A norm of this kind before <c>fc2</c> (timm's <c>scale_mlp_norm</c>), or <see langword="null"/>.</param>
    /// <param name="normEpsilon">The hidden norm's epsilon.</param>
    /// <param name="dropout">Dropout rate after the gating and after <c>fc2</c>, in [0, 1).</param>
    public SwiGluFeedForward(int inFeatures, int hiddenFeatures, ActivationKind activation = ActivationKind.Silu, bool bias = true, NormKind? hiddenNorm = null, double normEpsilon = 1e-6, double dropout = 0)
        : base(nameof(SwiGluFeedForward))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenFeatures);
        Rates.Check(dropout, nameof(dropout));
        fc1_g = new AutocastLinear(inFeatures, hiddenFeatures, bias);
        fc1_x = new AutocastLinear(inFeatures, hiddenFeatures, bias);
        act = Layers.Activation(activation);
        drop1 = Rates.DropoutOrIdentity(dropout);
        norm = hiddenNorm is NormKind kind ? Layers.Norm(kind, hiddenFeatures, normEpsilon) : Identity();
        fc2 = new AutocastLinear(hiddenFeatures, inFeatures, bias);
        drop2 = Rates.DropoutOrIdentity(dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gate = fc1_g.call(x);
        x = fc1_x.call(x);
        x = act.call(gate) * x;
        x = drop1.call(x);
        x = norm.call(x);
        x = fc2.call(x);
        x = drop2.call(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>timm's <c>SwiGLU.init_weights</c>: the gate projection starts near zero with bias one.</summary>
    internal void InitializeGate()
    {
        using var noGrad = torch.no_grad();
        using var one = 1.0.ToScalar();
        fc1_g.Bias?.fill_(one);
        fc1_g.Weight.normal_(0.0, 1e-6);
    }
}
