using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>Per-image rectangles as one boolean mask, built with two comparisons per axis on the device.</summary>
internal static class BoxMask
{
    /// <summary>
    /// Mask [B, 1, H, W], true inside image b's box rows [top[b], bottom[b]) and columns [left[b], right[b]);
    /// an empty range gives an empty box.
    /// </summary>
    public static Tensor Build(long[] top, long[] bottom, long[] left, long[] right, long height, long width, Device device)
    {
        int batch = top.Length;

        // Explicit Scalars, disposed after use: TorchSharp's implicit ones can be freed by another thread's GC mid-call.
        using var rowCount = height.ToScalar();
        using var colCount = width.ToScalar();
        Tensor rows = arange(rowCount, ScalarType.Int64, device).view(1, height);
        Tensor cols = arange(colCount, ScalarType.Int64, device).view(1, width);
        Tensor Column(long[] values) => tensor(values, device: device).view(batch, 1);
        Tensor inRows = rows.ge(Column(top)).logical_and_(rows.lt(Column(bottom)));
        Tensor inCols = cols.ge(Column(left)).logical_and_(cols.lt(Column(right)));
        return inRows.unsqueeze(2).logical_and(inCols.unsqueeze(1)).unsqueeze(1);
    }
}
