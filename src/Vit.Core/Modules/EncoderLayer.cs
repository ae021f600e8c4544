using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// One pre-norm transformer block (timm's <c>Block</c>, with LayerNorm or RmsNorm and a standard or SwiGLU MLP): <c>x + DropPath(LayerScale(Attention(Norm(x))))</c>, then
/// <c>x + DropPath(LayerScale(Mlp(Norm(x))))</c>. Keys <c>norm1.*</c>, <c>attn.*</c>, <c>ls1.gamma</c> (optional),
/// <c>norm2.*</c>, <c>mlp.*</c>, <c>ls2.gamma</c> (optional). Under <see cref="Autocast"/> the branches run their
/// products in lower precision while the norms and the residual stream stay fp32 (adding a lower-precision branch
/// to the fp32 stream promotes it, as in PyTorch).
/// </summary>
public sealed class EncoderLayer : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Module<Tensor, Tensor> norm1;
    private readonly MultiHeadAttention attn;
    private readonly Module<Tensor, Tensor> ls1;
    private readonly Module<Tensor, Tensor> drop_path1;
    private readonly Module<Tensor, Tensor> norm2;
    private readonly Module<Tensor, Tensor> mlp;
    private readonly Module<Tensor, Tensor> ls2;
    private readonly Module<Tensor, Tensor> drop_path2;

    /// <summary>Creates the block.</summary>
    /// <param name="dim">Token width; must be divisible by <paramref name="numHeads"/>.</param>
    /// <param name="numHeads">Number of attention heads.</param>
    /// <param name="mlpHiddenDim">Hidden width of the MLP.</param>
    /// <param name="qkvBias">Whether the qkv projection has a bias.</param>
    /// <param name="dropout">Dropout after the attention projection and in the MLP, in [0, 1).</param>
    /// <param name="attentionDropout">Dropout on the attention probabilities, in [0, 1).</param>
    /// <param name="dropPath">Stochastic depth rate of this block, in [0, 1); 0 makes the drop paths identities.</param>
    /// <param name="layerScaleInit">Initial LayerScale value, or <see langword="null"/> for no LayerScale.</param>
    /// <param name="layerNormEpsilon">Epsilon of both LayerNorms (timm's ViT uses 1e-6).</param>
    public EncoderLayer(
        int dim,
        int numHeads,
        int mlpHiddenDim,
        bool qkvBias = true,
        double dropout = 0,
        double attentionDropout = 0,
        double dropPath = 0,
        double? layerScaleInit = null,
        double layerNormEpsilon = 1e-6)
        : this(dim, numHeads, mlpHiddenDim, dropPath, new VisionTransformerOptions
        {
            QkvBias = qkvBias,
            Dropout = dropout,
            AttentionDropout = attentionDropout,
            LayerScaleInit = layerScaleInit,
            LayerNormEpsilon = layerNormEpsilon,
        })
    {
    }

    /// <summary>
    /// Creates the block timm's <c>VisionTransformer</c> builds for <paramref name="options"/>: its width, heads, MLP
    /// kind and width, norms, activation, biases, dropouts and LayerScale.
    /// </summary>
    /// <param name="options">The model's options (validated by the caller).</param>
    /// <param name="dropPath">Stochastic depth rate of this block, in [0, 1).</param>
    public EncoderLayer(VisionTransformerOptions options, double dropPath = 0)
        : this(options?.EmbedDim ?? 0, options?.NumHeads ?? 0, options?.MlpHiddenDim ?? 0, dropPath, options!)
    {
    }

    private EncoderLayer(int dim, int numHeads, int mlpHiddenDim, double dropPath, VisionTransformerOptions o)
        : base(nameof(EncoderLayer))
    {
        ArgumentNullException.ThrowIfNull(o);
        Rates.Check(dropPath, nameof(dropPath));
        double eps = o.LayerNormEpsilon;
        norm1 = Layers.Norm(o.Norm, dim, eps);
        attn = new MultiHeadAttention(dim, numHeads, o.QkvBias, o.AttentionDropout, o.Dropout, o.ProjectionBias, o.QkNorm, o.ScaleAttentionNorm, o.Norm, eps);
        ls1 = o.LayerScaleInit is double init1 ? new LayerScale(dim, init1) : Identity();
        drop_path1 = dropPath > 0 ? new DropPath(dropPath) : Identity();
        norm2 = Layers.Norm(o.Norm, dim, eps);
        NormKind? hiddenNorm = o.ScaleMlpNorm ? o.Norm : null;
        mlp = o.Mlp switch
        {
            MlpKind.PackedSwiGlu => new PackedSwiGluFeedForward(dim, mlpHiddenDim, o.Activation, o.ProjectionBias, hiddenNorm, eps, o.Dropout),
            MlpKind.SwiGlu => new SwiGluFeedForward(dim, mlpHiddenDim, o.Activation, o.ProjectionBias, hiddenNorm, eps, o.Dropout),
            _ => new FeedForward(dim, mlpHiddenDim, o.Activation, o.ProjectionBias, hiddenNorm, eps, o.Dropout),
        };
        ls2 = o.LayerScaleInit is double init2 ? new LayerScale(dim, init2) : Identity();
        drop_path2 = dropPath > 0 ? new DropPath(dropPath) : Identity();
        RegisterComponents();
    }

    /// <summary>Gets the attention layer (e.g. to read its head count).</summary>
    public MultiHeadAttention Attention => attn;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        // Out-of-place residuals: autograd saved x for the branches' backward (the origin notebook's `x +=` broke this).
        using var casts = WeightCasts.Begin();
        using var attended = Branch(x, norm1, attn, ls1, drop_path1);
        using var h = x + attended;
        using var transformed = Branch(h, norm2, mlp, ls2, drop_path2);
        return h + transformed;
    }

    /// <summary>Runs the block and also returns its attention probabilities, for visualisation.</summary>
    /// <param name="x">Tokens shaped <c>[B, T, D]</c>.</param>
    /// <returns>The block's output <c>[B, T, D]</c> and the attention probabilities <c>[B, heads, T, T]</c>.</returns>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Tensor x)
    {
        using var casts = WeightCasts.Begin();
        using var normed = Layers.Normalize(norm1, x);
        var (attendedRaw, attention) = attn.ForwardWithAttention(normed);
        using (attendedRaw)
        using (var scaled = ls1.call(attendedRaw))
        using (var attended = drop_path1.call(scaled))
        using (var h = x + attended)
        using (var transformed = Branch(h, norm2, mlp, ls2, drop_path2))
        {
            return (h + transformed, attention);
        }
    }

    // Intermediates are disposed as soon as they are used (autograd keeps what it saved), so peak memory
    // stays close to PyTorch's reference counting even outside a dispose scope.
    private static Tensor Branch(Tensor x, Module<Tensor, Tensor> norm, Module<Tensor, Tensor> body, Module<Tensor, Tensor> scale, Module<Tensor, Tensor> drop)
    {
        using var normed = Layers.Normalize(norm, x);
        using var transformed = body.call(normed);
        using var scaled = scale.call(transformed);
        return drop.call(scaled);
    }
}
