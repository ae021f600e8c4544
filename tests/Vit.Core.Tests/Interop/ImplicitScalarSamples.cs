using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Interop;

/// <summary>Code the scan must flag (a number converted to a Scalar implicitly, a Tensor operator with a number) and must not (an explicit, disposed Scalar).</summary>
internal static class ImplicitScalarSamples
{
    public static Tensor ImplicitConversion(Tensor x) => x.mul(0.5);

    public static Tensor NumberOperator(Tensor x) => x * 2.0;

    public static Tensor ExplicitScalar(Tensor x)
    {
        using var half = 0.5.ToScalar();
        return x.mul(half);
    }
}
