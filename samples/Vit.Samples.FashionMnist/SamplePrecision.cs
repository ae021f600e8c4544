using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Samples.FashionMnist;

/// <summary>The <c>--precision</c> names and the autocast scope each one trains under.</summary>
internal static class SamplePrecision
{
    /// <summary>Everything in fp32.</summary>
    public const string Float32 = "float32";

    /// <summary>Matrix products in bf16 (fast on CPUs with avx512_bf16 or AMX and on Ampere+ GPUs), the rest fp32.</summary>
    public const string BFloat16 = "bfloat16";

    /// <summary>Starts the scope the named precision trains under.</summary>
    /// <param name="name"><see cref="Float32"/> or <see cref="BFloat16"/>.</param>
    /// <returns>The scope to dispose after training.</returns>
    /// <exception cref="UsageException">The name is neither.</exception>
    public static IDisposable Enter(string name) => name switch
    {
        Float32 => Autocast.Enable(ScalarType.Float32),
        BFloat16 => Autocast.Enable(ScalarType.BFloat16),
        _ => throw new UsageException($"Unknown precision '{name}'; expected {Float32} or {BFloat16}."),
    };
}
