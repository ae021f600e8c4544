using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Interop;

/// <summary>Code the scan must flag (a number converted to a Scalar implicitly, a Tensor operator with a number, additions whose alpha TorchSharp makes) and must not (explicit Scalars).</summary>
internal static class ImplicitScalarSamples
{
    public static Tensor ImplicitConversion(Tensor x) => x.mul(0.5);

    public static Tensor NumberOperator(Tensor x) => x * 2.0;

    public static Tensor AddOperator(Tensor x, Tensor y) => x + y;

    public static Tensor AddWithoutAlpha(Tensor x, Tensor y) => x.add(y);

    public static Tensor Square(Tensor x) => x.square();

    public static Tensor AddWithAlpha(Tensor x, Tensor y) => x.add(y, ScalarConstants.One);

    public static Tensor Difference(Tensor x, Tensor y) => x - y;

    public static Tensor ExplicitScalar(Tensor x)
    {
        using var half = 0.5.ToScalar();
        return x.mul(half);
    }
}
