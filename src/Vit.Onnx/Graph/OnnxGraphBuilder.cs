using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>Appends nodes and initializers to an ONNX graph, naming intermediate values uniquely.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _constants = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(GraphProto graph)
    {
        _graph = graph;
    }

    /// <summary>Adds a float32 initializer.</summary>
    public string Float(string name, float[] values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
        {
            throw new ArgumentException($"Initializer '{name}' has {values.Length} values for shape [{string.Join(", ", dims)}].", nameof(values));
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; exporting on a big-endian machine is not supported.");
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds an int64 initializer (shapes, axes, indices).</summary>
    public string Int64(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a float32 initializer with the values and shape of a float32 CPU tensor.</summary>
    public string Float(string name, Tensor values) =>
        Float(name, values.to(ScalarType.Float32).contiguous().data<float>().ToArray(), values.shape);

    /// <summary>A Reshape target (int64 initializer), written once per distinct shape.</summary>
    public string Shape(params long[] dims) => Cached("shape", dims);

    /// <summary>The axes input of a reduction (int64 initializer), written once per distinct list.</summary>
    public string Axes(params long[] axes) => Cached("axes", axes);

    /// <summary>
    /// <c>x Wᵀ + b</c> on 2-D input: a <c>Gemm</c> with the bias (<c>MatMul</c> without one), weights stored
    /// transposed <c>[in, out]</c> as initializer <c>{weightName}.weight_t</c>.
    /// </summary>
    public string Linear(string nodeName, string weightName, string input, Tensor weight, Tensor? bias)
    {
        string w = Float($"{weightName}.weight_t", weight.t());
        return bias is null
            ? Node("MatMul", nodeName, [input, w])
            : Node("Gemm", nodeName, [input, w, Float($"{weightName}.bias", bias)]);
    }

    /// <summary>Adds an int64 scalar initializer (a Gather index that drops the axis), once per name.</summary>
    public string Int64Scalar(string name, long value)
    {
        if (!_constants.Add(name))
        {
            return name;
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a float32 scalar initializer, once per name.</summary>
    public string Scalar(string name, float value)
    {
        if (!_constants.Add(name))
        {
            return name;
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node with one output named after <paramref name="prefix"/>; returns the output's name.</summary>
    public string Node(string opType, string prefix, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Nodes(opType, prefix, inputs, 1, attributes)[0];

    /// <summary>Adds a node of another operator domain (e.g. com.microsoft) with one output.</summary>
    public string Node(string opType, string prefix, IEnumerable<string> inputs, string domain, params AttributeProto[] attributes)
    {
        string output = Nodes(opType, prefix, inputs, 1, attributes)[0];
        _graph.Node[^1].Domain = domain;
        return output;
    }

    /// <summary>Adds a node with <paramref name="outputs"/> outputs; returns their names.</summary>
    public string[] Nodes(string opType, string prefix, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        string name = Unique(prefix);
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? name : $"{name}_{i}").ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Renames value <paramref name="from"/> wherever a node makes or reads it (to give a graph output its public name).</summary>
    public void RenameValue(string from, string to)
    {
        foreach (var node in _graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++)
            {
                node.Output[i] = node.Output[i] == from ? to : node.Output[i];
            }

            for (int i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = node.Input[i] == from ? to : node.Input[i];
            }
        }
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Cached(string prefix, long[] values)
    {
        string name = prefix + "_" + string.Join("_", values.Select(v => v < 0 ? "m" + (-v).ToString(CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture)));
        return _constants.Add(name) ? Int64(name, values) : name;
    }

    private string Unique(string prefix)
    {
        int n = _counters.TryGetValue(prefix, out int seen) ? seen : 0;
        _counters[prefix] = n + 1;
        return n == 0 ? prefix : $"{prefix}_{n}";
    }
}
