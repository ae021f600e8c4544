using System.Globalization;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Testing;

/// <summary>Tensor comparisons whose failures say where and by how much, not just "expected True".</summary>
internal static class TensorAssert
{
    /// <summary>
    /// Asserts <c>|actual - expected| &lt;= atol + rtol * |expected|</c> everywhere (NaN never passes), with equal
    /// shapes. A failure reports the largest difference, its index, both values there and how many elements fail.
    /// </summary>
    /// <returns>The largest absolute difference (for logging).</returns>
    public static double Close(Tensor actual, Tensor expected, double atol, double rtol = 0, string? because = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        string reason = because is null ? "" : $" ({because})";
        if (!actual.shape.SequenceEqual(expected.shape))
        {
            Assert.Fail($"Expected shape {Shape(expected.shape)} but got {Shape(actual.shape)}{reason}.");
        }

        using var scope = NewDisposeScope();
        var a = actual.detach().cpu().to_type(ScalarType.Float64);
        var e = expected.detach().cpu().to_type(ScalarType.Float64);
        if (a.numel() == 0)
        {
            return 0;
        }

        // Equal values (infinities included) always pass; a NaN on either side counts as an infinite difference.
        var difference = (a - e).abs().nan_to_num(nan: double.PositiveInfinity).masked_fill(a.eq(e), 0);
        var failing = difference.gt(e.abs().mul(rtol).add(atol));

        long flat = difference.flatten().argmax().item<long>();
        double largest = difference.flatten()[flat].item<double>();
        long failures = failing.sum().item<long>();
        if (failures > 0)
        {
            long[] index = Unravel(flat, actual.shape);
            string at = string.Join(", ", index);
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"Tensors differ{reason}: {failures} of {difference.numel()} elements exceed atol {atol:G3} + rtol {rtol:G3} * |expected|; " +
                $"the largest difference is {largest:G6} at [{at}] (actual {a.flatten()[flat].item<double>():G9}, expected {e.flatten()[flat].item<double>():G9})."));
        }

        return largest;
    }

    private static long[] Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return index;
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
