using static TorchSharp.torch;

namespace Vit.Data.Tests;

/// <summary>Small helpers to read tensors back into .NET arrays for assertions.</summary>
internal static class TensorHelpers
{
    public static float[] Floats(Tensor t) => t.contiguous().to_type(ScalarType.Float32).cpu().data<float>().ToArray();

    public static long[] Longs(Tensor t) => t.contiguous().to_type(ScalarType.Int64).cpu().data<long>().ToArray();

    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>
    /// Applies <paramref name="transform"/> to the whole batch and to its two halves with the matching slices of
    /// the same streams: per-sample streams must make the concatenated halves equal to the whole.
    /// </summary>
    public static (Tensor Whole, Tensor Halves) WholeAndHalves(IRandomTransform transform, Tensor images, SampleStreams streams)
    {
        int batch = (int)images.shape[0], half = batch / 2;
        Tensor whole = transform.Apply(images, streams);
        using Tensor first = transform.Apply(images.narrow(0, 0, half), streams.Slice(0, half));
        using Tensor second = transform.Apply(images.narrow(0, half, batch - half), streams.Slice(half, batch - half));
        return (whole, cat([first, second], 0));
    }

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
