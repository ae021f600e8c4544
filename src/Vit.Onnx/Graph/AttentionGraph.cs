using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// Writes one block's attention on 2-D normed tokens <c>[N*T, D]</c> and returns the heads merged back to 2-D,
/// before the output projection: for every token, or (the last block of a class-token model) for the class token only.
/// </summary>
internal sealed class AttentionGraph
{
    private readonly OnnxGraphBuilder _g;
    private readonly AttentionForm _form;
    private readonly int _tokens;
    private readonly int _dim;
    private readonly int _heads;

    public AttentionGraph(OnnxGraphBuilder graph, AttentionForm form, int tokens, int dim, int heads)
    {
        _g = graph;
        _form = form;
        _tokens = tokens;
        _dim = dim;
        _heads = heads;
    }

    /// <summary>Attention of block <paramref name="name"/>: <c>[N*T, D]</c>, or <c>[N, D]</c> for the class token alone.</summary>
    /// <param name="name">The node name prefix.</param>
    /// <param name="normed">The block's normed tokens <c>[N*T, D]</c>.</param>
    /// <param name="classTokenOnly">Whether only the class token's (row 0 of each image) output is needed.</param>
    /// <param name="w">The block's folded weights.</param>
    public string Write(string name, string normed, bool classTokenOnly, BlockWeights w) => _form switch
    {
        AttentionForm.OnnxRuntimeContrib => Contrib(name, normed, classTokenOnly, w),
        AttentionForm.OnnxAttention => Standard(name, normed, classTokenOnly, w),
        _ => MatMulSoftmax(name, normed, classTokenOnly, w),
    };

    /// <summary>The first token of each image of 2-D tokens <c>[N*T, width]</c>, as <c>[N, width]</c>.</summary>
    public string ClassRows(string name, string tokens, int width)
    {
        string grouped = _g.Node("Reshape", $"{name}_tokens", [tokens, _g.Shape(-1, _tokens, width)]);
        return _g.Node("Gather", name, [grouped, _g.Int64Scalar("index_0", 0)], OnnxGraphBuilder.Int("axis", 1));
    }

    /// <summary>Opset 23's <c>Attention</c> on 3-D q <c>[N, Tq, D]</c>, k and v <c>[N, T, D]</c> (the heads stay interleaved: no transposes).</summary>
    private string Standard(string name, string normed, bool classTokenOnly, BlockWeights w)
    {
        var (q, k, v, queryTokens) = Projections(name, normed, classTokenOnly, w);
        string q3 = _g.Node("Reshape", $"{name}_q_tokens", [q, _g.Shape(-1, queryTokens, _dim)]);
        string k3 = _g.Node("Reshape", $"{name}_k_tokens", [k, _g.Shape(-1, _tokens, _dim)]);
        string v3 = _g.Node("Reshape", $"{name}_v_tokens", [v, _g.Shape(-1, _tokens, _dim)]);
        string attended = _g.Node("Attention", $"{name}_attention", [q3, k3, v3],
            OnnxGraphBuilder.Int("q_num_heads", _heads), OnnxGraphBuilder.Int("kv_num_heads", _heads), OnnxGraphBuilder.Float("scale", 1f));
        return _g.Node("Reshape", $"{name}_merge", [attended, _g.Shape(-1, _dim)]);
    }

    /// <summary>softmax(q kᵀ) v with MatMul/Softmax: heads split by Reshape + Transpose (kᵀ transposed in the same step).</summary>
    private string MatMulSoftmax(string name, string normed, bool classTokenOnly, BlockWeights w)
    {
        int headDim = _dim / _heads;
        var (q, k, v, queryTokens) = Projections(name, normed, classTokenOnly, w);
        string qh = _g.Node("Transpose", $"{name}_q_heads", [_g.Node("Reshape", $"{name}_q_split", [q, _g.Shape(-1, queryTokens, _heads, headDim)])], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        string kt = _g.Node("Transpose", $"{name}_k_heads_t", [_g.Node("Reshape", $"{name}_k_split", [k, _g.Shape(-1, _tokens, _heads, headDim)])], OnnxGraphBuilder.Ints("perm", 0, 2, 3, 1));
        string vh = _g.Node("Transpose", $"{name}_v_heads", [_g.Node("Reshape", $"{name}_v_split", [v, _g.Shape(-1, _tokens, _heads, headDim)])], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        string scores = _g.Node("MatMul", $"{name}_scores", [qh, kt]);
        string probabilities = _g.Node("Softmax", $"{name}_softmax", [scores], OnnxGraphBuilder.Int("axis", -1));
        string heads = _g.Node("MatMul", $"{name}_attend", [probabilities, vh]);
        string tokensFirst = _g.Node("Transpose", $"{name}_heads_permute", [heads], OnnxGraphBuilder.Ints("perm", 0, 2, 1, 3));
        return _g.Node("Reshape", $"{name}_merge", [tokensFirst, _g.Shape(-1, _dim)]);
    }

    /// <summary>
    /// <c>com.microsoft.Attention</c>: the q/k/v projection ([D, 3D] weights, one bias of which only the query part is
    /// non-zero) runs inside the kernel; it needs every token as a query, so the class token is picked afterwards.
    /// </summary>
    private string Contrib(string name, string normed, bool classTokenOnly, BlockWeights w)
    {
        string grouped = _g.Node("Reshape", $"{name}_tokens", [normed, _g.Shape(-1, _tokens, _dim)]);
        var packed = cat([w.QueryWeight, w.KeyWeight, w.ValueWeight], 0).t();
        var bias = cat([w.QueryBias ?? zeros(_dim), zeros(2 * _dim)], 0);
        string attended = _g.Node("Attention", $"{name}_attention",
            [grouped, _g.Float(w.Prefix + "attn.qkv.weight_t", packed), _g.Float(w.Prefix + "attn.qkv.bias_q", bias)],
            OnnxDomains.Microsoft, OnnxGraphBuilder.Int("num_heads", _heads), OnnxGraphBuilder.Float("scale", 1f));
        return classTokenOnly
            ? _g.Node("Gather", $"{name}_class_token", [attended, _g.Int64Scalar("index_0", 0)], OnnxGraphBuilder.Int("axis", 1))
            : _g.Node("Reshape", $"{name}_merge", [attended, _g.Shape(-1, _dim)]);
    }

    /// <summary>2-D q (Gemm with its bias), k and v (MatMul: their biases are folded away); q for the class token only if asked.</summary>
    private (string Q, string K, string V, int QueryTokens) Projections(string name, string normed, bool classTokenOnly, BlockWeights w)
    {
        string queries = classTokenOnly ? ClassRows($"{name}_class_token", normed, _dim) : normed;
        string q = _g.Linear($"{name}_q", w.Prefix + "attn.q", queries, w.QueryWeight, w.QueryBias);
        string k = _g.Linear($"{name}_k", w.Prefix + "attn.k", normed, w.KeyWeight, null);
        string v = _g.Linear($"{name}_v", w.Prefix + "attn.v", normed, w.ValueWeight, null);
        return (q, k, v, classTokenOnly ? 1 : _tokens);
    }
}
