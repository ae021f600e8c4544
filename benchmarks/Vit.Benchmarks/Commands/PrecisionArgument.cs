using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary><c>--precision float32|bfloat16|float16</c>: the dtype a subject's matrix products run in.</summary>
internal static class PrecisionArgument
{
    public static ScalarType Read(Arguments args)
    {
        string text = args.String("precision", "float32");
        return text switch
        {
            "float32" => ScalarType.Float32,
            "bfloat16" => ScalarType.BFloat16,
            "float16" => ScalarType.Float16,
            _ => throw new ArgumentException($"--precision must be float32, bfloat16 or float16; got '{text}'."),
        };
    }

    /// <summary>The option's spelling of <paramref name="dtype"/>, used to label result lines.</summary>
    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => dtype.ToString(),
    };
}
