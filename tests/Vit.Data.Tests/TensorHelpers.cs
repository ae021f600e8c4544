using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data.Tests;

/// <summary>Small helpers to read tensors back into .NET arrays for assertions.</summary>
internal static class TensorHelpers
{
    public static float[] Floats(Tensor t) => t.contiguous().to_type(ScalarType.Float32).cpu().data<float>().ToArray();

    public static long[] Longs(Tensor t) => t.contiguous().to_type(ScalarType.Int64).cpu().data<long>().ToArray();

    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>A deterministic, non-trivial float image batch in [0, 1) (a System.Random fill, not libtorch's).</summary>
    public static Tensor RandomImages(int seed, params long[] shape)
    {
        var random = new Random(seed);
        long count = shape.Aggregate(1L, (a, b) => a * b);
        float[] values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }

        return tensor(values, shape);
    }
}
