using FluentAssertions;
using Xunit;

namespace Vit.Onnx.Tests;

/// <summary>Symmetric per-output-channel int8 weights: scale = max |w| / 127, values rounded half to even.</summary>
public sealed class QuantizedWeightTests
{
    [Fact]
    public void PerOutputChannel_InOutMatrix_ScalesEachColumnByItsLargestMagnitude()
    {
        // [in 3, out 2]: column 0 = 1.27, -0.5, 0.004 (scale 0.01); column 1 = 0, 0, 0 (scale 1).
        float[] weight = [1.27f, 0f, -0.5f, 0f, 0.004f, 0f];

        var q = QuantizedWeight.PerOutputChannel(weight, 3, 2, transposed: false);

        q.Scales[0].Should().BeApproximately(0.01f, 1e-8f);
        q.Scales[1].Should().Be(1f);
        q.Values.Select(b => (sbyte)b).Should().Equal(127, 0, -50, 0, 0, 0);
        (q.Rows, q.Columns).Should().Be((3L, 2L));
    }

    [Fact]
    public void PerOutputChannel_OutInMatrix_TransposesToInOut()
    {
        // [out 2, in 2] as a Gemm with transB stores it: row 0 = output channel 0.
        float[] weight = [2.54f, -1.0f, 0.05f, -0.2f];

        var q = QuantizedWeight.PerOutputChannel(weight, 2, 2, transposed: true);

        q.Scales[0].Should().BeApproximately(0.02f, 1e-7f);
        q.Scales[1].Should().BeApproximately(0.2f / 127f, 1e-9f);
        q.Values.Select(b => (sbyte)b).Should().Equal(127, 32, -50, -127);
    }
}
