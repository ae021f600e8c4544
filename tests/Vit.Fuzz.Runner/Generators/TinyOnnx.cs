using System.Text;

namespace Vit.Fuzz;

/// <summary>
/// Writes a tiny ONNX classifier by hand (a linear layer on the flattened image), with the defects of issue 21's item
/// 11 on request: an int64 or double output, an output width known only at run time, NaN logits.
/// </summary>
public static class TinyOnnx
{
    /// <summary>The ONNX bytes of <c>logits = flatten(images) @ W + b</c>.</summary>
    /// <param name="channels">C of the [N, C, size, size] input.</param>
    /// <param name="size">The input side.</param>
    /// <param name="classes">The logits' actual width.</param>
    /// <param name="output">The output's element type.</param>
    /// <param name="dynamicWidth">Declare the width as a symbol instead of <paramref name="classes"/>.</param>
    /// <param name="nanBias">Put NaN in the bias, so every logit is NaN.</param>
    public static byte[] Model(int channels, int size, int classes, OnnxOutputType output = OnnxOutputType.SinglePrecision, bool dynamicWidth = false, bool nanBias = false)
    {
        int features = channels * size * size;
        float[] weights = [.. Enumerable.Range(0, features * classes).Select(i => ((i % 13) - 6) * 1e-3f)];
        float[] bias = [.. Enumerable.Range(0, classes).Select(i => nanBias ? float.NaN : i * 0.1f)];
        var nodes = new List<byte[]>
        {
            Node("Flatten", ["images"], ["flat"], Message(F(1, "axis"), V(3, 1), V(20, 2))),
            Node("MatMul", ["flat", "W"], ["mm"]),
            Node("Add", ["mm", "B"], [output == OnnxOutputType.SinglePrecision ? "logits" : "sum"]),
        };
        if (output != OnnxOutputType.SinglePrecision)
        {
            nodes.Add(Node("Cast", ["sum"], ["logits"], Message(F(1, "to"), V(3, (long)output), V(20, 2))));
        }

        var graph = new List<byte[]>();
        graph.AddRange(nodes.Select(n => L(1, n)));
        graph.Add(F(2, "tiny"));
        graph.Add(L(5, Tensor("W", [features, classes], weights)));
        graph.Add(L(5, Tensor("B", [classes], bias)));
        graph.Add(L(11, ValueInfo("images", 1, [Dim("n"), Dim(channels), Dim(size), Dim(size)])));
        graph.Add(L(12, ValueInfo("logits", (int)output, [Dim("n"), dynamicWidth ? Dim("k") : Dim(classes)])));
        return Message(V(1, 8), F(2, "vit-fuzz"), L(7, Message([.. graph])), L(8, Message(F(1, string.Empty), V(2, 17))));
    }

    private static byte[] Node(string op, string[] inputs, string[] outputs, params byte[][] attributes) =>
        Message([.. inputs.Select(i => F(1, i)), .. outputs.Select(o => F(2, o)), F(3, op + "_" + outputs[0]), F(4, op), .. attributes.Select(a => L(5, a))]);

    private static byte[] Tensor(string name, long[] dims, float[] values)
    {
        byte[] raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return Message([.. dims.Select(d => V(1, d)), V(2, 1), F(8, name), L(9, raw)]);
    }

    private static byte[] ValueInfo(string name, int elementType, byte[][] dims) =>
        Message(F(1, name), L(2, Message(L(1, Message(V(1, elementType), L(2, Message([.. dims.Select(d => L(1, d))])))))));

    private static byte[] Dim(long value) => V(1, value);

    private static byte[] Dim(string symbol) => F(2, symbol);

    private static byte[] Message(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    private static byte[] V(int field, long value) => [.. Varint((ulong)field << 3), .. Varint((ulong)value)];

    private static byte[] F(int field, string text) => L(field, Encoding.UTF8.GetBytes(text));

    private static byte[] L(int field, byte[] bytes) => [.. Varint(((ulong)field << 3) | 2), .. Varint((ulong)bytes.Length), .. bytes];

    private static List<byte> Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return bytes;
    }
}
