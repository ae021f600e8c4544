using System.Globalization;

namespace Vit.Onnx;

/// <summary>The smallest and largest value a tensor took over the calibration images, and the uint8 mapping they give.</summary>
internal readonly record struct ActivationRange(float Min, float Max)
{
    /// <summary>The range widened by <paramref name="values"/>.</summary>
    public ActivationRange Include(ReadOnlySpan<float> values)
    {
        float min = Min, max = Max;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return new ActivationRange(min, max);
    }

    /// <summary>
    /// Asymmetric uint8 (as ONNX Runtime's dynamic quantization maps a batch): the range is widened to hold 0, scale =
    /// (max - min) / 255 and the zero point is where 0 lands, so 0 (padding, ReLU-like zeros) is exact.
    /// </summary>
    /// <param name="tensorName">The tensor, for the error message.</param>
    /// <exception cref="InvalidDataException">The range is not finite (a calibration image with NaN or infinity, or a model that overflows on it).</exception>
    public (float Scale, byte ZeroPoint) ToUInt8(string tensorName)
    {
        if (!float.IsFinite(Min) || !float.IsFinite(Max))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Int8Static: tensor '{tensorName}' took values from {Min} to {Max} on the calibration images; a scale needs a finite range (check OnnxExportOptions.CalibrationImages for NaN or infinity)."));
        }

        float min = Math.Min(Min, 0f), max = Math.Max(Max, 0f);
        if (max == min)
        {
            return (1f, 0); // an all-zero tensor: any scale represents it exactly
        }

        float scale = (max - min) / 255f;
        return (scale, (byte)Math.Clamp(Math.Round(-min / scale, MidpointRounding.ToEven), 0, 255));
    }
}
