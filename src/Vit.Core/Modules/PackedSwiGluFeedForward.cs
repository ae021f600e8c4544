using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// SwiGLU with one packed input projection (timm's <c>SwiGLUPacked</c>, i.e. <c>GluMlp(gate_last=False)</c>; DINOv2-giant):
/// <c>[a, b] = fc1(x)</c>, then <c>fc2(norm(drop(act(a) * b)))</c>. Keys <c>fc1.*</c> (hidden wide), <c>norm.*</c>
/// (optional), <c>fc2.*</c> (hidden / 2 in). Under <see cref="Autocast"/> the products run in <see cref="Autocast.Dtype"/>.
/// </summary>
public sealed class PackedSwiGluFeedForward : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly AutocastLinear fc1;
    private readonly Module<Tensor, Tensor> act;
    private readonly Module<Tensor, Tensor> drop1;
    private readonly Module<Tensor, Tensor> norm;
    private readonly AutocastLinear fc2;
    private readonly Module<Tensor, Tensor> drop2;

    /// <summary>Creates the MLP.</summary>
    /// <param name="inFeatures">Input and output width.</param>
    /// <param name="hiddenFeatures">Width of the packed <c>fc1</c> output (gate and value halves); must be even.</param>
    /// <param name="activation">The gate's activation (timm passes the model's <c>act_layer</c>, SiLU for SwiGLU).</param>
    /// <param name="bias">Whether <c>fc1</c> and <c>fc2</c> have biases.</param>
    /// <param name="hiddenNorm">A norm of this kind before <c>fc2</c> (timm's <c>scale_mlp_norm</c>), or <see langword="null"/>.</param>
    /// <param name="normEpsilon">The hidden norm's epsilon.</param>
    /// <param name="dropout">Dropout rate after the gating and after <c>fc2</c>, in [0, 1).</param>
    public PackedSwiGluFeedForward(int inFeatures, int hiddenFeatures, ActivationKind activation = ActivationKind.Silu, bool bias = true, NormKind? hiddenNorm = null, double normEpsilon = 1e-6, double dropout = 0)
        : base(nameof(PackedSwiGluFeedForward))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenFeatures);
        if (hiddenFeatures % 2 != 0)
        {
            throw new ArgumentException($"hiddenFeatures is {hiddenFeatures}, but the packed fc1 splits into two halves, so it must be even.", nameof(hiddenFeatures));
        }

        Rates.Check(dropout, nameof(dropout));
        fc1 = new AutocastLinear(inFeatures, hiddenFeatures, bias);
        act = Layers.Activation(activation);
        drop1 = Rates.DropoutOrIdentity(dropout);
        norm = hiddenNorm is NormKind kind ? Layers.Norm(kind, hiddenFeatures / 2, normEpsilon) : Identity();
        fc2 = new AutocastLinear(hiddenFeatures / 2, inFeatures, bias);
        drop2 = Rates.DropoutOrIdentity(dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = fc1.call(x);
        var halves = x.chunk(2, -1);
        x = act.call(halves[0]) * halves[1];
        x = drop1.call(x);
        x = norm.call(x);
        x = fc2.call(x);
        x = drop2.call(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>timm's <c>GluMlp.init_weights</c>: the second half of <c>fc1</c> starts near zero with bias one.</summary>
    internal void InitializeGate()
    {
        using var noGrad = torch.no_grad();
        long half = fc1.Weight.shape[0] / 2;
        if (fc1.Bias is not null)
        {
            using var biasGate = fc1.Bias.narrow(0, half, half);
            using var one = 1.0.ToScalar();
            biasGate.fill_(one);
        }

        using var weightGate = fc1.Weight.narrow(0, half, half);
        weightGate.normal_(0.0, 1e-6);
    }
}
