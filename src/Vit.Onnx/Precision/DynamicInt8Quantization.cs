using System.Globalization;
using Onnx;

namespace Vit.Onnx;

/// <summary>
/// The int8 dynamic pass over an exported graph: every linear layer (a <c>MatMul</c> or <c>Gemm</c> whose weights are a
/// 2-D float32 initializer) becomes one <c>com.microsoft.DynamicQuantizeMatMul</c> with int8 weights, symmetric, one
/// scale per output channel; ONNX Runtime quantizes its input to uint8 per run (per batch). Every other node is left
/// as it is, so any graph the builder writes composes with it.
/// </summary>
internal static class DynamicInt8Quantization
{
    private const string OperatorName = "DynamicQuantizeMatMul";

    /// <summary>Quantizes the linear layers of <paramref name="model"/> in place.</summary>
    /// <returns>How many linear layers were quantized.</returns>
    /// <exception cref="NotSupportedException">A linear layer has a form the operator cannot take, or the graph has none.</exception>
    public static int Apply(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!IsLinear(node, initializers, out var weight))
            {
                continue;
            }

            bool transposed = CheckGemm(node, initializers);
            var quantized = QuantizedWeight.PerOutputChannel(InitializerData.Floats(weight), weight.Dims[0], weight.Dims[1], transposed);
            string baseName = weight.Name;
            graph.Initializer.Add(InitializerData.Create(baseName + "_int8", TensorProto.Types.DataType.Int8, quantized.Values, [quantized.Rows, quantized.Columns]));
            graph.Initializer.Add(InitializerData.Create(baseName + "_scale", quantized.Scales, quantized.Columns));
            var inputs = new List<string> { node.Input[0], baseName + "_int8", baseName + "_scale" };
            if (node.OpType == "Gemm" && node.Input.Count > 2 && node.Input[2].Length > 0)
            {
                inputs.Add(string.Empty); // b_zero_point: absent means 0 (symmetric weights)
                inputs.Add(node.Input[2]);
            }

            var replacement = new NodeProto { OpType = OperatorName, Domain = OnnxDomains.Microsoft, Name = node.Name + "_int8" };
            replacement.Input.AddRange(inputs);
            replacement.Output.AddRange(node.Output);
            graph.Node[i] = replacement;
            replaced.Add(weight.Name);
            count++;
        }

        if (count == 0)
        {
            throw new NotSupportedException("Int8Dynamic found no linear layer (a MatMul or Gemm with float32 weights held in the graph) to quantize.");
        }

        RemoveUnused(graph, replaced);
        if (!model.OpsetImport.Any(o => o.Domain == OnnxDomains.Microsoft))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxDomains.Microsoft, Version = 1 });
        }

        return count;
    }

    internal static bool IsLinear(NodeProto node, Dictionary<string, TensorProto> initializers, out TensorProto weight)
    {
        weight = null!;
        if (node.Domain.Length > 0 || node.OpType is not ("MatMul" or "Gemm") || node.Input.Count < 2)
        {
            return false;
        }

        if (!initializers.TryGetValue(node.Input[1], out var w) || !InitializerData.IsFloat(w) || w.Dims.Count != 2)
        {
            return false;
        }

        weight = w;
        return true;
    }

    /// <summary>Whether a Gemm's weights are transposed; throws for what DynamicQuantizeMatMul cannot express.</summary>
    internal static bool CheckGemm(NodeProto node, Dictionary<string, TensorProto> initializers, string precision = "Int8Dynamic", string operatorName = OperatorName)
    {
        if (node.OpType != "Gemm")
        {
            return false;
        }

        float alpha = Attribute(node, "alpha")?.F ?? 1f, beta = Attribute(node, "beta")?.F ?? 1f;
        long transA = Attribute(node, "transA")?.I ?? 0;
        if (alpha != 1f || beta != 1f || transA != 0)
        {
            throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture, $"{precision} cannot quantize Gemm '{node.Name}' (alpha {alpha}, beta {beta}, transA {transA}): {operatorName} computes A·B + bias only."));
        }

        if (node.Input.Count > 2 && node.Input[2].Length > 0 && (!initializers.TryGetValue(node.Input[2], out var bias) || bias.Dims.Count != 1))
        {
            throw new NotSupportedException($"{precision} cannot quantize Gemm '{node.Name}': its bias '{node.Input[2]}' is not a 1-D initializer, which {operatorName} needs.");
        }

        return (Attribute(node, "transB")?.I ?? 0) != 0;
    }

    private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    internal static void RemoveUnused(GraphProto graph, HashSet<string> candidates)
    {
        var used = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        for (int i = graph.Initializer.Count - 1; i >= 0; i--)
        {
            if (candidates.Contains(graph.Initializer[i].Name) && !used.Contains(graph.Initializer[i].Name))
            {
                graph.Initializer.RemoveAt(i);
            }
        }
    }
}
