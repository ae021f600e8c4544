using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>Shared checks and factories for dropout-like rates.</summary>
internal static class Rates
{
    /// <summary>Throws unless <paramref name="rate"/> is in [0, 1).</summary>
    public static void Check(double rate, string paramName)
    {
        if (!(rate >= 0.0 && rate < 1.0))
        {
            throw new ArgumentOutOfRangeException(paramName, rate, $"{paramName} is {rate}; it must be in [0, 1).");
        }
    }

    /// <summary>A dropout module, or an identity when the rate is 0 (timm's pattern; no work and no RNG draw).</summary>
    public static Module<Tensor, Tensor> DropoutOrIdentity(double rate) => rate > 0 ? Dropout(rate) : Identity();
}
