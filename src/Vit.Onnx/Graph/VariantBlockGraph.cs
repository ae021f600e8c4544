using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// One encoder block of any timm variant on 3-D tokens <c>[N, T, D]</c> (T may be symbolic): norm → attention (qk-norm,
/// scale norm) → projection → residual, norm → MLP (GELU/SiLU, packed or split SwiGLU, hidden norm) → residual.
/// Constants are folded: the attention scale into the queries (or into q-norm's affine parameters), LayerScale into
/// the projection and fc2.
/// </summary>
internal static class VariantBlockGraph
{
    public static string Write(VariantLayers l, string x, int index, int dim, int heads, bool standardAttention)
    {
        var g = l.G;
        string p = $"blocks.{index}.";
        int headDim = dim / heads;
        double scale = 1.0 / Math.Sqrt(headDim);
        bool qkNorm = l.Has(p + "attn.q_norm.weight");

        string h = l.Norm(p + "norm1", x);
        var qkv = l.Get(p + "attn.qkv.weight");
        var qkvBias = l.Find(p + "attn.qkv.bias");
        double queryScale = qkNorm ? 1.0 : scale;
        using var queryFactor = queryScale.ToScalar();
        string q = l.Linear(p + "attn.q", h, qkv[..dim].mul(queryFactor), qkvBias?[..dim].mul(queryFactor));
        string k = l.Linear(p + "attn.k", h, qkv[dim..(2 * dim)], qkvBias?[dim..(2 * dim)]);
        string v = l.Linear(p + "attn.v", h, qkv[(2 * dim)..], qkvBias?[(2 * dim)..]);
        string split = g.Shape(0, 0, heads, headDim);
        string q4 = g.Node("Reshape", p + "q_split", [q, split]);
        string k4 = g.Node("Reshape", p + "k_split", [k, split]);
        string v4 = g.Node("Reshape", p + "v_split", [v, split]);
        if (qkNorm)
        {
            q4 = l.Norm(p + "attn.q_norm", q4, scale);
            k4 = l.Norm(p + "attn.k_norm", k4);
        }

        string attended = Attend(g, p, q4, k4, v4, standardAttention);
        string merged = g.Node("Reshape", p + "merge", [attended, g.Shape(0, 0, dim)]);
        if (l.Has(p + "attn.norm.weight"))
        {
            merged = l.Norm(p + "attn.norm", merged);
        }

        var (projWeight, projBias) = LayerScaled(l, p + "attn.proj", p + "ls1.gamma");
        x = g.Node("Add", p + "residual1", [x, l.Linear(p + "attn.proj", merged, projWeight, projBias)]);

        h = l.Norm(p + "norm2", x);
        string hidden = Mlp(l, p, h);
        if (l.Has(p + "mlp.norm.weight"))
        {
            hidden = l.Norm(p + "mlp.norm", hidden);
        }

        var (fc2Weight, fc2Bias) = LayerScaled(l, p + "mlp.fc2", p + "ls2.gamma");
        return g.Node("Add", p + "residual2", [x, l.Linear(p + "mlp.fc2", hidden, fc2Weight, fc2Bias)]);
    }

    /// <summary>softmax(q kᵀ) v on heads split as <c>[N, T, H, Dh]</c> (q already scaled); returns <c>[N, T, H, Dh]</c>.</summary>
    public static string Attend(OnnxGraphBuilder g, string p, string q4, string k4, string v4, bool standardAttention)
    {
        string qh = g.Node("Transpose", p + "q_heads", [q4], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        string vh = g.Node("Transpose", p + "v_heads", [v4], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        string heads;
        if (standardAttention)
        {
            // Opset 23's Attention on 4-D [N, H, T, Dh] inputs: one kernel in ONNX Runtime.
            string kh = g.Node("Transpose", p + "k_heads", [k4], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
            heads = g.Node("Attention", p + "attention", [qh, kh, vh], OnnxGraphBuilder.Float("scale", 1f));
        }
        else
        {
            string kt = g.Node("Transpose", p + "k_heads_t", [k4], OnnxGraphBuilder.Ints("perm", 0, 2, 3, 1));
            string probabilities = g.Node("Softmax", p + "softmax", [g.Node("MatMul", p + "scores", [qh, kt])], OnnxGraphBuilder.Int("axis", -1));
            heads = g.Node("MatMul", p + "attend", [probabilities, vh]);
        }

        return g.Node("Transpose", p + "heads_permute", [heads], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
    }

    private static string Mlp(VariantLayers l, string p, string h)
    {
        if (l.Has(p + "mlp.fc1_g.weight"))
        {
            // Split SwiGLU: act(fc1_g(x)) * fc1_x(x).
            return l.G.Node("Mul", p + "swiglu", [l.Activation(p + "mlp", l.Linear(p + "mlp.fc1_g", h)), l.Linear(p + "mlp.fc1_x", h)]);
        }

        var fc1 = l.Get(p + "mlp.fc1.weight");
        var fc2 = l.Get(p + "mlp.fc2.weight");
        if (fc1.shape[0] == 2 * fc2.shape[1])
        {
            // Packed SwiGLU: fc1's first half is the gate, the second the value (two linear layers, no Split node).
            long half = fc2.shape[1];
            var bias = l.Find(p + "mlp.fc1.bias");
            string gate = l.Linear(p + "mlp.fc1_gate", h, fc1[..(int)half], bias?[..(int)half]);
            string value = l.Linear(p + "mlp.fc1_value", h, fc1[(int)half..], bias?[(int)half..]);
            return l.G.Node("Mul", p + "swiglu", [l.Activation(p + "mlp", gate), value]);
        }

        return l.Activation(p + "mlp", l.Linear(p + "mlp.fc1", h));
    }

    private static (Tensor Weight, Tensor? Bias) LayerScaled(VariantLayers l, string key, string gammaKey)
    {
        var weight = l.Get(key + ".weight");
        var bias = l.Find(key + ".bias");
        if (l.Find(gammaKey) is not { } gamma)
        {
            return (weight, bias);
        }

        return (weight * gamma.unsqueeze(1), bias is null ? null : bias * gamma);
    }
}
