using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// The transformer MLP: <c>fc1</c> → exact (erf) GELU → dropout → <c>fc2</c> → dropout (timm's <c>Mlp</c>;
/// keys <c>fc1.*</c>, <c>fc2.*</c>). Input and output <c>[..., D]</c>. Under <see cref="Autocast"/> both products run in
/// <see cref="Autocast.Dtype"/>, and so does the GELU between them (it keeps its input's dtype, as in PyTorch).
/// </summary>
public sealed class FeedForward : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Module<Tensor, Tensor> drop1;
    private readonly Linear fc2;
    private readonly Module<Tensor, Tensor> drop2;

    /// <summary>Creates the MLP.</summary>
    /// <param name="inFeatures">Input and output width.</param>
    /// <param name="hiddenFeatures">Hidden width (timm: <c>int(dim * mlp_ratio)</c>).</param>
    /// <param name="dropout">Dropout rate after the activation and after <c>fc2</c>, in [0, 1).</param>
    public FeedForward(int inFeatures, int hiddenFeatures, double dropout = 0)
        : base(nameof(FeedForward))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenFeatures);
        Rates.Check(dropout, nameof(dropout));
        fc1 = Linear(inFeatures, hiddenFeatures);
        act = GELU(); // approximate = none: the exact erf form timm and the ViT paper use
        drop1 = Rates.DropoutOrIdentity(dropout);
        fc2 = Linear(hiddenFeatures, inFeatures);
        drop2 = Rates.DropoutOrIdentity(dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var casts = WeightCasts.Begin();
        using var hidden = Autocast.Linear(fc1, x);
        using var activated = act.call(hidden);
        using var dropped = drop1.call(activated);
        using var output = Autocast.Linear(fc2, dropped);
        return drop2.call(output);
    }
}
