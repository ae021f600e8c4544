namespace Vit.Fuzz;

/// <summary>The element type of a <see cref="TinyOnnx"/> graph's output (ONNX's TensorProto.DataType numbers).</summary>
public enum OnnxOutputType
{
    /// <summary>float32, as config.json promises.</summary>
    SinglePrecision = 1,

    /// <summary>int64.</summary>
    Integer64 = 7,

    /// <summary>float64.</summary>
    DoublePrecision = 11,
}
