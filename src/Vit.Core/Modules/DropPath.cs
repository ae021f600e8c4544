using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Stochastic depth (Huang et al. 2016): in training, zeroes a residual branch for a random subset of samples
/// and scales the kept ones by <c>1 / (1 - rate)</c> so the expectation is unchanged (timm's <c>DropPath</c>).
/// An identity in evaluation. Use <see cref="nn.Identity"/> instead when the rate is 0.
/// </summary>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Probability of dropping a sample's branch, in [0, 1).</param>
    public DropPath(double rate)
        : base(nameof(DropPath))
    {
        Rates.Check(rate, nameof(rate));
        Rate = rate;
        RegisterComponents();
    }

    /// <summary>Gets the probability of dropping a sample's branch.</summary>
    public double Rate { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (!training || Rate == 0)
        {
            return x.alias();
        }

        // One Bernoulli draw per sample, broadcast over every other dimension.
        double keep = 1.0 - Rate;
        var maskShape = new long[x.dim()];
        Array.Fill(maskShape, 1L);
        maskShape[0] = x.shape[0];
        using var keepScalar = keep.ToScalar();
        using var mask = torch.empty(maskShape, x.dtype, x.device).bernoulli_(keep).div_(keepScalar);
        return x * mask;
    }
}
