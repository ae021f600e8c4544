using Onnx;

namespace Vit.Onnx;

/// <summary>
/// The int8 static pass over an exported graph: every linear layer (as <see cref="DynamicInt8Quantization"/> finds them)
/// becomes <c>com.microsoft.MatMulIntegerToFloat</c> with the same per-channel int8 weights, reading its input through
/// one <c>QuantizeLinear</c> per tensor (shared by q, k and v) whose uint8 scale and zero point come from calibration.
/// </summary>
internal static class StaticInt8Quantization
{
    private const string OperatorName = "MatMulIntegerToFloat";

    /// <summary>The tensors the linear layers read: what calibration must measure.</summary>
    public static IReadOnlyCollection<string> LinearInputs(ModelProto model)
    {
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var node in model.Graph.Node.Where(n => DynamicInt8Quantization.IsLinear(n, initializers, out _)))
        {
            DynamicInt8Quantization.CheckGemm(node, initializers, "Int8Static", OperatorName);
            if (!names.Contains(node.Input[0], StringComparer.Ordinal))
            {
                names.Add(node.Input[0]);
            }
        }

        if (names.Count == 0)
        {
            throw new NotSupportedException("Int8Static found no linear layer (a MatMul or Gemm with float32 weights held in the graph) to quantize.");
        }

        return names;
    }

    /// <summary>Quantizes the linear layers of <paramref name="model"/> in place with the measured input ranges.</summary>
    /// <returns>How many linear layers were quantized.</returns>
    public static int Apply(ModelProto model, IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var quantizedInputs = new Dictionary<string, (string Values, string Scale, string ZeroPoint)>(StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!DynamicInt8Quantization.IsLinear(node, initializers, out var weight))
            {
                continue;
            }

            bool transposed = DynamicInt8Quantization.CheckGemm(node, initializers, "Int8Static", OperatorName);
            string input = node.Input[0];
            if (!quantizedInputs.TryGetValue(input, out var quantizedInput))
            {
                // The first reader: the producer is earlier in the (topologically sorted) node list, so the Q node goes here.
                var (scale, zeroPoint) = ranges[input].ToUInt8(input);
                quantizedInput = (input + "_uint8", input + "_uint8_scale", input + "_uint8_zero_point");
                graph.Initializer.Add(InitializerData.Create(quantizedInput.Scale, [scale]));
                graph.Initializer.Add(InitializerData.Create(quantizedInput.ZeroPoint, TensorProto.Types.DataType.Uint8, [zeroPoint], []));
                var quantize = new NodeProto { OpType = "QuantizeLinear", Name = input + "_quantize" };
                quantize.Input.AddRange([input, quantizedInput.Scale, quantizedInput.ZeroPoint]);
                quantize.Output.Add(quantizedInput.Values);
                graph.Node.Insert(i++, quantize);
                quantizedInputs.Add(input, quantizedInput);
            }

            var quantized = QuantizedWeight.PerOutputChannel(InitializerData.Floats(weight), weight.Dims[0], weight.Dims[1], transposed);
            graph.Initializer.Add(InitializerData.Create(weight.Name + "_int8", TensorProto.Types.DataType.Int8, quantized.Values, [quantized.Rows, quantized.Columns]));
            graph.Initializer.Add(InitializerData.Create(weight.Name + "_scale", quantized.Scales, quantized.Columns));
            var replacement = new NodeProto { OpType = OperatorName, Domain = OnnxDomains.Microsoft, Name = node.Name + "_int8" };

            // A, B, a_scale, b_scale, a_zero_point, b_zero_point (absent: symmetric weights), bias.
            replacement.Input.AddRange([quantizedInput.Values, weight.Name + "_int8", quantizedInput.Scale, weight.Name + "_scale", quantizedInput.ZeroPoint]);
            if (node.OpType == "Gemm" && node.Input.Count > 2 && node.Input[2].Length > 0)
            {
                replacement.Input.AddRange([string.Empty, node.Input[2]]);
            }

            replacement.Output.AddRange(node.Output);
            graph.Node[i] = replacement;
            replaced.Add(weight.Name);
            count++;
        }

        DynamicInt8Quantization.RemoveUnused(graph, replaced);
        if (!model.OpsetImport.Any(o => o.Domain == OnnxDomains.Microsoft))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxDomains.Microsoft, Version = 1 });
        }

        return count;
    }
}
