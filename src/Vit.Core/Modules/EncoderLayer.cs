using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// One pre-norm transformer block, timm's <c>Block</c> (with LayerNorm or RmsNorm and a standard or SwiGLU MLP):
/// <c>x = x + drop_path1(ls1(attn(norm1(x))))</c>, then <c>x = x + drop_path2(ls2(mlp(norm2(x))))</c>. Keys
/// <c>norm1.*</c>, <c>attn.*</c>, <c>ls1.gamma</c> (optional), <c>norm2.*</c>, <c>mlp.*</c>, <c>ls2.gamma</c>
/// (optional). The residuals are out of place: autograd saved <c>x</c> for the branches' backward. Under
/// <see cref="Autocast"/> the branches run their products in lower precision while the norms and the residual stream
/// stay fp32 (adding a lower-precision branch to the fp32 stream promotes it, as in PyTorch).
/// </summary>
public sealed class EncoderLayer : Module<Tensor, Tensor>, IAutocastModule, IRecomputableModule
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
        using var scope = NewDisposeScope(); // frees the branches' intermediates that autograd did not save
        x = x.add(drop_path1.call(ls1.call(attn.call(norm1.call(x)))), ScalarConstants.One);
        x = x.add(drop_path2.call(ls2.call(mlp.call(norm2.call(x)))), ScalarConstants.One);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block for a checkpoint's backward: the MLP's last product is left out (about a third of the block's
    /// arithmetic), because nothing after it needs its value. With LayerScale on the MLP branch (its gamma's gradient
    /// needs that value) or a gated MLP it is the plain forward.
    /// </summary>
    Tensor IRecomputableModule.RecomputeForBackward(Tensor x)
    {
        if (ls2 is not TorchSharp.Modules.Identity || mlp is not FeedForward feedForward)
        {
            return call(x);
        }

        using var scope = NewDisposeScope();
        x = x.add(drop_path1.call(ls1.call(attn.call(norm1.call(x)))), ScalarConstants.One);
        x = x.add(drop_path2.call(feedForward.RecomputeForBackward(norm2.call(x))), ScalarConstants.One);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Runs the block and also returns its attention probabilities, for visualisation.</summary>
    /// <param name="x">Tokens shaped <c>[B, T, D]</c>.</param>
    /// <returns>The block's output <c>[B, T, D]</c> and the attention probabilities <c>[B, heads, T, T]</c>.</returns>
    public (Tensor Output, Tensor Attention) ForwardWithAttention(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (attended, attention) = attn.ForwardWithAttention(norm1.call(x));
        x = x.add(drop_path1.call(ls1.call(attended)), ScalarConstants.One);
        x = x.add(drop_path2.call(ls2.call(mlp.call(norm2.call(x)))), ScalarConstants.One);
        return (x.MoveToOuterDisposeScope(), attention.MoveToOuterDisposeScope());
    }
}
