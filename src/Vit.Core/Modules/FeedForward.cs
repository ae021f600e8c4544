using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// The transformer MLP: <c>fc1</c> → activation (exact GELU by default) → dropout → optional norm → <c>fc2</c> → dropout
/// (timm's <c>Mlp</c>; keys <c>fc1.*</c>, <c>norm.*</c> with <c>scale_mlp_norm</c>, <c>fc2.*</c>). Input and output
/// <c>[..., D]</c>. Under <see cref="Autocast"/> both products run in <see cref="Autocast.Dtype"/>, and so does the
/// activation between them (it keeps its input's dtype, as in PyTorch); the norm runs in fp32.
/// </summary>
public sealed class FeedForward : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly AutocastLinear fc1;
    private readonly Module<Tensor, Tensor> act;
    private readonly Module<Tensor, Tensor> drop1;
    private readonly Module<Tensor, Tensor> norm;
    private readonly AutocastLinear fc2;
    private readonly Module<Tensor, Tensor> drop2;

    /// <summary>Creates timm's default MLP: exact GELU, biases, no hidden norm.</summary>
    /// <param name="inFeatures">Input and output width.</param>
    /// <param name="hiddenFeatures">Hidden width (timm: <c>int(dim * mlp_ratio)</c>).</param>
    /// <param name="dropout">Dropout rate after the activation and after <c>fc2</c>, in [0, 1).</param>
    public FeedForward(int inFeatures, int hiddenFeatures, double dropout = 0)
        : this(inFeatures, hiddenFeatures, ActivationKind.Gelu, bias: true, hiddenNorm: null, dropout: dropout)
    {
    }

    /// <summary>Creates the MLP with a chosen activation, biases and hidden norm.</summary>
    /// <param name="inFeatures">Input and output width.</param>
    /// <param name="hiddenFeatures">Hidden width (timm: <c>int(dim * mlp_ratio)</c>).</param>
    /// <param name="activation">The activation (timm's <c>act_layer</c>).</param>
    /// <param name="bias">Whether <c>fc1</c> and <c>fc2</c> have biases (timm's <c>bias</c>, the block's <c>proj_bias</c>).</param>
    /// <param name="hiddenNorm">A norm of this kind on the hidden activations before <c>fc2</c> (timm's <c>scale_mlp_norm</c>), or <see langword="null"/> for none.</param>
    /// <param name="normEpsilon">The hidden norm's epsilon.</param>
    /// <param name="dropout">Dropout rate after the activation and after <c>fc2</c>, in [0, 1).</param>
    public FeedForward(int inFeatures, int hiddenFeatures, ActivationKind activation, bool bias = true, NormKind? hiddenNorm = null, double normEpsilon = 1e-6, double dropout = 0)
        : base(nameof(FeedForward))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenFeatures);
        Rates.Check(dropout, nameof(dropout));
        fc1 = new AutocastLinear(inFeatures, hiddenFeatures, bias);
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
        return drop2.call(fc2.call(Hidden(x))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward for a checkpoint's recomputation whose output value is never read: everything up to <c>fc2</c>,
    /// whose product is left out (its backward needs its input and the output's gradient only), then the dropout.
    /// </summary>
    internal Tensor RecomputeForBackward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return drop2.call(fc2.OutputFreeForward(Hidden(x))).MoveToOuterDisposeScope();
    }

    /// <summary>The hidden activations <c>fc2</c> reads: <c>fc1</c>, activation, dropout, optional norm.</summary>
    private Tensor Hidden(Tensor x) => norm.call(drop1.call(act.call(fc1.call(x))));
}
