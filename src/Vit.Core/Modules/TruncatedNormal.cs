using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// A truncated normal initialiser equal to PyTorch's and timm's <c>trunc_normal_</c>. TorchSharp 0.107's
/// <c>nn.init.trunc_normal_</c> cannot be used: its native code multiplies by the mean and adds the std (and drops
/// the √2), so with mean 0 it fills the tensor with the constant <c>std</c>.
/// </summary>
internal static class TruncatedNormal
{
    /// <summary>Fills <paramref name="tensor"/> in place with N(mean, std²) truncated to [a, b] (absolute bounds, as in PyTorch).</summary>
    public static Tensor Fill(Tensor tensor, double std, double mean = 0.0, double a = -2.0, double b = 2.0)
    {
        // Inverse-CDF sampling: uniform over [cdf(a), cdf(b)] mapped to [-1, 1], then erfinv.
        double lower = NormalCdf((a - mean) / std);
        double upper = NormalCdf((b - mean) / std);
        using var noGrad = torch.no_grad();
        tensor.uniform_((2 * lower) - 1, (2 * upper) - 1);
        tensor.erfinv_();
        // Scalars held for the call: an implicit one may be finalized while libtorch still reads it ("Unknown scalar type").
        using var scale = (std * Math.Sqrt(2.0)).ToScalar();
        using var shift = mean.ToScalar();
        using var min = a.ToScalar();
        using var max = b.ToScalar();
        tensor.mul_(scale);
        tensor.add_(shift, ScalarConstants.One);
        tensor.clamp_(min, max);
        return tensor;
    }

    private static double NormalCdf(double x)
    {
        // .NET has no Math.Erf; libtorch's double erf is exact enough and this runs once per tensor.
        using var value = torch.tensor(x / Math.Sqrt(2.0), ScalarType.Float64, torch.CPU);
        return (1.0 + value.erf().item<double>()) / 2.0;
    }
}
