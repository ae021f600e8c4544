using Google.Protobuf;
using Onnx;

namespace Vit.Onnx;

/// <summary>Reads and writes the values of ONNX initializers held in the graph (raw little-endian bytes or the typed fields).</summary>
internal static class InitializerData
{
    public static bool IsFloat(TensorProto tensor) => tensor.DataType == (int)TensorProto.Types.DataType.Float;

    /// <summary>The values of a float32 initializer stored in the graph (not in external data).</summary>
    public static float[] Floats(TensorProto tensor)
    {
        if (!IsFloat(tensor) || tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new InvalidOperationException($"Initializer '{tensor.Name}' is not a float32 tensor held in the graph.");
        }

        if (tensor.RawData.Length == 0)
        {
            return [.. tensor.FloatData];
        }

        var values = new float[tensor.RawData.Length / sizeof(float)];
        Buffer.BlockCopy(tensor.RawData.ToByteArray(), 0, values, 0, values.Length * sizeof(float));
        return values;
    }

    /// <summary>An initializer of the given type with the values as raw bytes.</summary>
    public static TensorProto Create(string name, TensorProto.Types.DataType type, byte[] raw, IEnumerable<long> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static TensorProto Create(string name, float[] values, params long[] dims)
    {
        var raw = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return Create(name, TensorProto.Types.DataType.Float, raw, dims);
    }

    /// <summary>How many bytes the initializers' values take (what decides whether they fit one protobuf file).</summary>
    public static long Bytes(GraphProto graph) =>
        graph.Initializer.Sum(t => (long)t.RawData.Length + (t.FloatData.Count * 4L) + (t.Int64Data.Count * 8L) + (t.Int32Data.Count * 4L));
}
