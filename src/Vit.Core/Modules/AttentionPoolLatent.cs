using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// Multi-head attention pooling with one learned latent query, then a residual MLP (timm's <c>AttentionPoolLatent</c> as
/// its <c>VisionTransformer</c> builds it for <c>global_pool='map'</c>; SigLIP's head). Keys <c>latent</c>, <c>q.*</c>,
/// <c>kv.*</c>, <c>proj.*</c>, <c>norm.*</c>, <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>. Input <c>[B, T, D]</c>, output
/// <c>[B, D]</c>. Under <see cref="Autocast"/> the projections and the attention run in <see cref="Autocast.Dtype"/>.
/// </summary>
public sealed class AttentionPoolLatent : Module<Tensor, Tensor>, IAutocastModule
{
    private readonly Parameter latent;
    private readonly AutocastLinear q;
    private readonly AutocastLinear kv;
    private readonly AutocastLinear proj;
    private readonly Module<Tensor, Tensor> proj_drop;
    private readonly Module<Tensor, Tensor> norm;
    private readonly FeedForward mlp;

    /// <summary>Creates the pool as timm's ViT does: qkv biases, one latent, no position embedding, no qk-norm.</summary>
    /// <param name="dim">Token width; must be divisible by <paramref name="numHeads"/>.</param>
    /// <param name="numHeads">Number of heads.</param>
    /// <param name="mlpHiddenDim">Hidden width of the MLP after the attention (timm: <c>int(dim * mlp_ratio)</c>).</param>
    /// <param name="activation">The MLP's activation (the model's <c>act_layer</c>).</param>
    /// <param name="normKind">The kind of the norm before the MLP (the model's <c>norm_layer</c>).</param>
    /// <param name="normEpsilon">Its epsilon.</param>
    public AttentionPoolLatent(int dim, int numHeads, int mlpHiddenDim, ActivationKind activation = ActivationKind.Gelu, NormKind normKind = NormKind.LayerNorm, double normEpsilon = 1e-6)
        : base(nameof(AttentionPoolLatent))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numHeads);
        if (dim % numHeads != 0)
        {
            throw new ArgumentException($"dim {dim} is not divisible by numHeads {numHeads}.", nameof(numHeads));
        }

        NumHeads = numHeads;
        HeadDim = dim / numHeads;
        latent = new Parameter(torch.zeros(1, 1, dim));
        q = new AutocastLinear(dim, dim);
        kv = new AutocastLinear(dim, dim * 2);
        proj = new AutocastLinear(dim, dim);
        proj_drop = Identity();
        norm = Layers.Norm(normKind, dim, normEpsilon);
        mlp = new FeedForward(dim, mlpHiddenDim, activation);
        RegisterComponents();
    }

    /// <summary>Gets the number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Gets the width of one head.</summary>
    public int HeadDim { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], tokens = x.shape[1], dim = NumHeads * HeadDim;

        // The latent query [B, 1, D] -> [B, H, 1, Dh]; keys and values [B, T, 2D] -> [2, B, H, T, Dh].
        var query = q.call(latent.expand(batch, -1, -1)).reshape(batch, 1, NumHeads, HeadDim).transpose(1, 2);
        var keysValues = kv.call(x).reshape(batch, tokens, 2, NumHeads, HeadDim).permute(2, 0, 3, 1, 4).unbind(0);
        x = Autocast.ScaledDotProductAttention(query, keysValues[0], keysValues[1]);
        x = x.transpose(1, 2).reshape(batch, 1, dim);
        x = proj.call(x);
        x = proj_drop.call(x);
        x = x.add(mlp.call(norm.call(x)), ScalarConstants.One);
        return x.select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>timm's <c>init_weights</c>: the latent from a truncated normal with std <c>dim^-0.5</c> (bounds ±2 std, as <c>trunc_normal_tf_</c>).</summary>
    internal void InitializeLatent()
    {
        using var noGrad = torch.no_grad();
        TruncatedNormal.Fill(latent, std: 1.0);
        using var scale = (1.0 / Math.Sqrt(latent.shape[2])).ToScalar();
        latent.mul_(scale);
    }
}
