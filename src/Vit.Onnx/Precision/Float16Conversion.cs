using Google.Protobuf;
using Onnx;

namespace Vit.Onnx;

/// <summary>
/// The float16 pass over an exported graph: every float32 initializer becomes float16 (saturating at ±65504), the
/// graph input is cast to float16 on entry and the output back to float32 on exit, so callers keep float32 buffers.
/// </summary>
internal static class Float16Conversion
{
    private const float Float16Max = 65504f;

    /// <summary>Converts <paramref name="model"/> in place.</summary>
    /// <exception cref="NotSupportedException">The graph has a node that fixes float32 itself (a Cast or Constant to float32).</exception>
    public static void Apply(ModelProto model)
    {
        var graph = model.Graph;
        foreach (var node in graph.Node.Where(n => n.OpType is "Cast" or "Constant" or "CastLike" or "RandomNormal" or "RandomUniform"))
        {
            throw new NotSupportedException($"Float16 cannot convert node '{node.Name}' ({node.OpType}): it names float32 itself, which this pass does not rewrite.");
        }

        for (int i = 0; i < graph.Initializer.Count; i++)
        {
            var tensor = graph.Initializer[i];
            if (InitializerData.IsFloat(tensor))
            {
                graph.Initializer[i] = ToFloat16(tensor);
            }
        }

        foreach (var input in graph.Input.Where(v => v.Type.TensorType.ElemType == (int)TensorProto.Types.DataType.Float))
        {
            string cast = input.Name + "_float16";
            foreach (var node in graph.Node)
            {
                for (int k = 0; k < node.Input.Count; k++)
                {
                    if (node.Input[k] == input.Name)
                    {
                        node.Input[k] = cast;
                    }
                }
            }

            graph.Node.Insert(0, Cast(input.Name, cast, TensorProto.Types.DataType.Float16));
        }

        foreach (var output in graph.Output.Where(v => v.Type.TensorType.ElemType == (int)TensorProto.Types.DataType.Float))
        {
            string computed = output.Name + "_float16";
            foreach (var node in graph.Node)
            {
                for (int k = 0; k < node.Output.Count; k++)
                {
                    if (node.Output[k] == output.Name)
                    {
                        node.Output[k] = computed;
                    }
                }

                // An output other nodes also read (embeddings feed the head) stays float16 inside the graph.
                for (int k = 0; k < node.Input.Count; k++)
                {
                    if (node.Input[k] == output.Name)
                    {
                        node.Input[k] = computed;
                    }
                }
            }

            graph.Node.Add(Cast(computed, output.Name, TensorProto.Types.DataType.Float));
        }
    }

    private static NodeProto Cast(string input, string output, TensorProto.Types.DataType to)
    {
        var node = new NodeProto { OpType = "Cast", Name = output + "_cast" };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)to });
        return node;
    }

    private static TensorProto ToFloat16(TensorProto tensor)
    {
        float[] values = InitializerData.Floats(tensor);
        var raw = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            var half = (Half)Math.Clamp(values[i], -Float16Max, Float16Max);
            BitConverter.TryWriteBytes(raw.AsSpan(i * 2, 2), half);
        }

        var converted = new TensorProto { Name = tensor.Name, DataType = (int)TensorProto.Types.DataType.Float16, RawData = ByteString.CopyFrom(raw) };
        converted.Dims.AddRange(tensor.Dims);
        return converted;
    }
}
