using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// Multi-head self-attention with one fused query/key/value projection (timm's <c>Attention</c>; keys
/// <c>qkv.*</c>, <c>q_norm.*</c>/<c>k_norm.*</c> with <c>qk_norm</c>, <c>norm.*</c> with <c>scale_attn_norm</c>,
/// <c>proj.*</c>). Input and output <c>[B, T, D]</c>. Under <see cref="Autocast"/> the projections and the attention run
/// in <see cref="Autocast.Dtype"/> (the explicit path's softmax and the norms in fp32).
/// </summary>
public sealed class MultiHeadAttention : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly AutocastLinear qkv;
    private readonly Module<Tensor, Tensor> q_norm;
    private readonly Module<Tensor, Tensor> k_norm;
    private readonly Module<Tensor, Tensor> attn_drop;
    private readonly Module<Tensor, Tensor> norm;
    private readonly AutocastLinear proj;
    private readonly Module<Tensor, Tensor> proj_drop;
    private readonly double _attentionDropout;

    /// <summary>Creates the attention layer. Linear weights start as PyTorch's defaults; <see cref="VisionTransformer"/> re-initialises them as timm does.</summary>
    /// <param name="dim">Token width; must be divisible by <paramref name="numHeads"/>.</param>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="qkvBias">Whether the qkv projection has a bias.</param>
    /// <param name="attentionDropout">Dropout rate on the attention probabilities, in [0, 1).</param>
    /// <param name="projectionDropout">Dropout rate after the output projection, in [0, 1).</param>
    public MultiHeadAttention(int dim, int numHeads, bool qkvBias = true, double attentionDropout = 0, double projectionDropout = 0)
        : this(dim, numHeads, qkvBias, attentionDropout, projectionDropout, projectionBias: true)
    {
    }

    /// <summary>Creates the attention layer with timm's optional norms and projection bias.</summary>
    /// <param name="dim">Token width; must be divisible by <paramref name="numHeads"/>.</param>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="qkvBias">Whether the qkv projection has a bias.</param>
    /// <param name="attentionDropout">Dropout rate on the attention probabilities, in [0, 1).</param>
    /// <param name="projectionDropout">Dropout rate after the output projection, in [0, 1).</param>
    /// <param name="projectionBias">Whether the output projection has a bias (timm's <c>proj_bias</c>).</param>
    /// <param name="qkNorm">Whether queries and keys are normalised per head (timm's <c>qk_norm</c>).</param>
    /// <param name="scaleNorm">Whether the attended values are normalised before the projection (timm's <c>scale_norm</c>).</param>
    /// <param name="normKind">The kind of those norms.</param>
    /// <param name="normEpsilon">Their epsilon.</param>
    public MultiHeadAttention(
        int dim,
        int numHeads,
        bool qkvBias,
        double attentionDropout,
        double projectionDropout,
        bool projectionBias,
        bool qkNorm = false,
        bool scaleNorm = false,
        NormKind normKind = NormKind.LayerNorm,
        double normEpsilon = 1e-6)
        : base(nameof(MultiHeadAttention))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numHeads);
        if (dim % numHeads != 0)
        {
            throw new ArgumentException($"dim {dim} is not divisible by numHeads {numHeads}.", nameof(numHeads));
        }

        Rates.Check(attentionDropout, nameof(attentionDropout));
        Rates.Check(projectionDropout, nameof(projectionDropout));
        NumHeads = numHeads;
        HeadDim = dim / numHeads;
        _attentionDropout = attentionDropout;
        qkv = new AutocastLinear(dim, dim * 3, qkvBias);
        q_norm = Layers.NormOrIdentity(qkNorm, normKind, HeadDim, normEpsilon);
        k_norm = Layers.NormOrIdentity(qkNorm, normKind, HeadDim, normEpsilon);
        attn_drop = Rates.DropoutOrIdentity(attentionDropout);
        norm = Layers.NormOrIdentity(scaleNorm, normKind, dim, normEpsilon);
        proj = new AutocastLinear(dim, dim, projectionBias);
        proj_drop = Rates.DropoutOrIdentity(projectionDropout);
        RegisterComponents();
    }

    /// <summary>Gets the number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Gets the width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Attends with <c>scaled_dot_product_attention</c> (fused kernels; dropout on the probabilities in training).</summary>
    /// <param name="x">Tokens shaped <c>[B, T, D]</c>.</param>
    /// <returns>Tokens shaped <c>[B, T, D]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        x = Autocast.ScaledDotProductAttention(q, k, v, training ? _attentionDropout : 0.0);
        return Output(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Attends like <see cref="forward"/> but spells the attention out, to also return the probabilities
    /// (for visualisation; slower and heavier than the fused path).
    /// </summary>
    /// <param name="x">Tokens shaped <c>[B, T, D]</c>.</param>
    /// <returns>The output tokens <c>[B, T, D]</c> and the attention probabilities <c>[B, heads, T, T]</c> (before dropout).</returns>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        using var scale = (1.0 / Math.Sqrt(HeadDim)).ToScalar();
        var attention = Autocast.Softmax(Autocast.Matmul(q.mul(scale), k.transpose(-2, -1)), -1);
        x = Autocast.Matmul(attn_drop.call(attention), v);
        return (Output(x).MoveToOuterDisposeScope(), attention.MoveToOuterDisposeScope());
    }

    /// <summary>Queries, keys and values <c>[B, H, T, Dh]</c>, in the caller's dispose scope.</summary>
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        if (x.dim() != 3)
        {
            throw new ArgumentException($"Expected tokens shaped [batch, tokens, {NumHeads * HeadDim}], got shape [{string.Join(", ", x.shape)}].", nameof(x));
        }

        // [B, T, 3D] -> [B, T, 3, H, Dh] -> [3, B, H, T, Dh]: views only, no copy.
        var qkvHeads = qkv.call(x).reshape(x.shape[0], x.shape[1], 3, NumHeads, HeadDim).permute(2, 0, 3, 1, 4).unbind(0);
        return (q_norm.call(qkvHeads[0]), k_norm.call(qkvHeads[1]), qkvHeads[2]);
    }

    /// <summary>The heads <c>[B, H, T, Dh]</c> merged to <c>[B, T, D]</c> and projected, in the caller's dispose scope.</summary>
    private Tensor Output(Tensor heads)
    {
        // [B, H, T, Dh] -> [B, T, H, Dh] -> [B, T, D] (reshape copies once here, as in timm).
        var x = heads.transpose(1, 2).reshape(heads.shape[0], heads.shape[2], NumHeads * HeadDim);
        x = norm.call(x);
        x = proj.call(x);
        return proj_drop.call(x);
    }
}
