namespace Vit.Onnx;

/// <summary>A weight matrix <c>[in, out]</c> as int8 values with one float32 scale per output channel (column).</summary>
internal sealed class QuantizedWeight
{
    private QuantizedWeight(byte[] values, float[] scales, long rows, long columns)
    {
        Values = values;
        Scales = scales;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Gets the int8 values, row-major <c>[Rows, Columns]</c>, as raw bytes.</summary>
    public byte[] Values { get; }

    /// <summary>Gets the scale of each column: <c>weight ≈ value × scale</c>.</summary>
    public float[] Scales { get; }

    public long Rows { get; }

    public long Columns { get; }

    /// <summary>
    /// Symmetric per-channel quantization: scale = max |w| / 127 over the output channel, values rounded half to even
    /// (as ONNX's QuantizeLinear), so −127..127 and zero point 0.
    /// </summary>
    /// <param name="weight">The float32 matrix, row-major <c>[dim0, dim1]</c>.</param>
    /// <param name="dim0">Its first dimension.</param>
    /// <param name="dim1">Its second dimension.</param>
    /// <param name="transposed">Whether it is stored <c>[out, in]</c> (a Gemm with transB): the result is <c>[in, out]</c>.</param>
    public static QuantizedWeight PerOutputChannel(float[] weight, long dim0, long dim1, bool transposed)
    {
        long rows = transposed ? dim1 : dim0, columns = transposed ? dim0 : dim1;
        float At(long r, long c) => transposed ? weight[(c * dim1) + r] : weight[(r * dim1) + c];
        var scales = new float[columns];
        for (long c = 0; c < columns; c++)
        {
            float max = 0;
            for (long r = 0; r < rows; r++)
            {
                max = Math.Max(max, Math.Abs(At(r, c)));
            }

            // An all-zero channel: any scale represents it exactly; 1 keeps the division finite.
            scales[c] = max > 0 ? max / 127f : 1f;
        }

        var values = new byte[rows * columns];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                double q = Math.Clamp(Math.Round(At(r, c) / scales[c], MidpointRounding.ToEven), -127, 127);
                values[(r * columns) + c] = unchecked((byte)(sbyte)q);
            }
        }

        return new QuantizedWeight(values, scales, rows, columns);
    }
}
