using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>
/// The Vision Transformer of Dosovitskiy et al. (arXiv 2010.11929), equal to timm's <c>VisionTransformer</c> with
/// the same options: its <c>state_dict()</c> keys and shapes are timm's, so checkpoints move between the two unchanged.
/// Input <c>[B, C, H, W]</c> images, output <c>[B, NumClasses]</c> logits.
/// </summary>
/// <remarks>
/// Runs in its weights' dtype (convert it with <c>model.to(ScalarType.BFloat16)</c> for lower-precision inference),
/// or, with fp32 weights, in mixed precision under <see cref="Autocast"/>: the matrix products in
/// <see cref="Autocast.Dtype"/>, the norms, residual stream and pooling in fp32. Its outputs (features, pre-logits,
/// logits) are always in the weights' dtype, so a loss or metric after it runs in fp32 under autocast.
/// </remarks>
public sealed partial class VisionTransformer : Module<Tensor, Tensor>, IAutocastModule, IGradientCheckpointingModel
{
    private readonly VisionTransformerOptions _options;
    private Parameter? cls_token;
    private Parameter pos_embed;
    private readonly PatchEmbedding patch_embed;
    private readonly Module<Tensor, Tensor> pos_drop;
    private readonly ModuleList<EncoderLayer> blocks;
    private readonly Module<Tensor, Tensor> norm;
    private readonly Module<Tensor, Tensor> fc_norm;
    private Module<Tensor, Tensor> head;
    private bool _gradientCheckpointing;

    /// <summary>Builds the model and initialises it as timm does by default.</summary>
    /// <param name="options">The architecture; copied, so later changes to it do not affect the model.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; the message names every bad field and its value.</exception>
    public VisionTransformer(VisionTransformerOptions options)
        : base(nameof(VisionTransformer))
    {
        ArgumentNullException.ThrowIfNull(options);
        new VisionTransformerOptionsValidator().ThrowIfInvalid(options);
        _options = options.Clone();
        var o = _options;
        bool classToken = o.Pooling == Pooling.ClassToken;

        patch_embed = new PatchEmbedding(o.ImageSize, o.PatchSize, o.InChannels, o.EmbedDim);
        cls_token = classToken ? new Parameter(torch.zeros(1, 1, o.EmbedDim)) : null;
        pos_embed = new Parameter(torch.zeros(1, patch_embed.NumPatches + NumPrefixTokens, o.EmbedDim));
        pos_drop = Rates.DropoutOrIdentity(o.Dropout);

        // Stochastic depth rises linearly from 0 to DropPathRate across the blocks (timm's linspace).
        blocks = new ModuleList<EncoderLayer>();
        for (int i = 0; i < o.Depth; i++)
        {
            double dropPath = o.Depth == 1 ? 0.0 : o.DropPathRate * i / (o.Depth - 1);
            blocks.Add(new EncoderLayer(o.EmbedDim, o.NumHeads, o.MlpHiddenDim, o.QkvBias, o.Dropout, o.AttentionDropout, dropPath, o.LayerScaleInit, o.LayerNormEpsilon));
        }

        // timm: with average pooling the final norm moves after pooling (fc_norm) and `norm` is an identity.
        norm = classToken ? LayerNorm(o.EmbedDim, eps: o.LayerNormEpsilon) : Identity();
        fc_norm = classToken ? Identity() : LayerNorm(o.EmbedDim, eps: o.LayerNormEpsilon);
        head = o.NumClasses > 0 ? Linear(o.EmbedDim, o.NumClasses) : Identity();
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>Gets a copy of the options the model was built with (<see cref="VisionTransformerOptions.NumClasses"/> follows <see cref="ResetClassifier"/>).</summary>
    public VisionTransformerOptions Options => _options.Clone();

    /// <summary>Gets the number of tokens before the patch tokens: 1 with a class token, otherwise 0.</summary>
    public int NumPrefixTokens => _options.Pooling == Pooling.ClassToken ? 1 : 0;

    /// <summary>Gets the encoder blocks.</summary>
    public IReadOnlyList<EncoderLayer> Blocks => new System.Collections.ObjectModel.ReadOnlyCollection<EncoderLayer>(blocks);

    /// <inheritdoc />
    public bool GradientCheckpointing => _gradientCheckpointing;

    /// <summary>
    /// Turns gradient checkpointing of the encoder blocks on or off (timm's <c>set_grad_checkpointing</c>): while
    /// gradients are recorded each block keeps only its input and is recomputed in the backward
    /// (<see cref="GradientCheckpoint"/>), for less activation memory at about one more forward of compute.
    /// Inference and <c>no_grad</c> passes are unaffected.
    /// </summary>
    /// <param name="enable">Whether to checkpoint the blocks.</param>
    public void SetGradCheckpointing(bool enable = true) => _gradientCheckpointing = enable;

    /// <summary>Classifies a batch of images.</summary>
    /// <param name="images">Images shaped <c>[B, InChannels, ImageSize, ImageSize]</c> in the weights' floating dtype (any floating dtype under <see cref="Autocast"/>).</param>
    /// <returns>Logits shaped <c>[B, NumClasses]</c> (pooled features when <c>NumClasses</c> is 0).</returns>
    /// <exception cref="ArgumentException">The images' rank, channels, size or dtype are not what the model expects.</exception>
    public override Tensor forward(Tensor images)
    {
        using var casts = WeightCasts.Begin();
        using var features = ForwardFeatures(images);
        return ForwardHead(features);
    }

    /// <summary>Runs the patch embedding and the encoder (timm's <c>forward_features</c>).</summary>
    /// <param name="images">Images shaped <c>[B, InChannels, ImageSize, ImageSize]</c>.</param>
    /// <returns>All tokens after the final <c>norm</c>, shaped <c>[B, NumPrefixTokens + NumPatches, EmbedDim]</c>.</returns>
    public Tensor ForwardFeatures(Tensor images)
    {
        using var casts = WeightCasts.Begin();
        var x = Embed(images);
        foreach (var block in blocks)
        {
            var next = _gradientCheckpointing ? GradientCheckpoint.Run(block, x) : block.call(x);
            x.Dispose();
            x = next;
        }

        using (x)
        {
            return InWeightsDtype(Normalize(norm, x));
        }
    }

    /// <summary>Pools the tokens and applies the classifier (timm's <c>forward_head</c>).</summary>
    /// <param name="features">Output of <see cref="ForwardFeatures"/>.</param>
    /// <param name="preLogits">When true, return the pooled (and <c>fc_norm</c>-ed) features instead of logits.</param>
    /// <returns>Logits <c>[B, NumClasses]</c>, or pre-logits <c>[B, EmbedDim]</c>.</returns>
    /// <exception cref="ArgumentException">The features are not shaped <c>[B, T, EmbedDim]</c>.</exception>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 3 || features.shape[2] != _options.EmbedDim)
        {
            throw new ArgumentException($"Expected features shaped [batch, tokens, {_options.EmbedDim}] (the output of ForwardFeatures), got [{string.Join(", ", features.shape)}].", nameof(features));
        }

        using var casts = WeightCasts.Begin();
        using var pooled = _options.Pooling == Pooling.ClassToken ? features[.., 0] : features.mean([1]);
        var normed = Normalize(fc_norm, pooled);
        if (preLogits)
        {
            return InWeightsDtype(normed);
        }

        using (normed)
        {
            return InWeightsDtype(head is Linear linear ? Autocast.Linear(linear, normed) : head.call(normed));
        }
    }

    /// <summary>
    /// Runs the model and returns every block's attention probabilities, for visualisation (e.g. attention
    /// rollout). Uses the explicit attention path, so it is slower than <see cref="forward"/>.
    /// </summary>
    /// <param name="images">Images shaped <c>[B, InChannels, ImageSize, ImageSize]</c>.</param>
    /// <returns>One tensor per block, each <c>[B, NumHeads, T, T]</c> with <c>T = NumPrefixTokens + NumPatches</c>.</returns>
    public IReadOnlyList<Tensor> ForwardAttentionMaps(Tensor images)
    {
        using var casts = WeightCasts.Begin();
        var maps = new List<Tensor>(blocks.Count);
        var x = Embed(images);
        foreach (var block in blocks)
        {
            var (next, attention) = block.ForwardWithAttention(x);
            x.Dispose();
            x = next;
            maps.Add(attention);
        }

        x.Dispose();
        return maps;
    }

    /// <summary>
    /// Replaces the classifier with a new one for <paramref name="numClasses"/> classes (an identity for 0), as
    /// timm's <c>reset_classifier</c> does: the new layer has PyTorch's default Linear initialisation.
    /// Build optimizers after calling this: the head's parameters are new objects.
    /// </summary>
    /// <param name="numClasses">The new number of classes, at least 0.</param>
    public void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numClasses);
        var device = pos_embed.device;
        var dtype = pos_embed.dtype;
        Module<Tensor, Tensor> replacement = numClasses > 0 ? Linear(_options.EmbedDim, numClasses, device: device, dtype: dtype) : Identity();
        register_module(nameof(head), null!); // a null module unregisters the old one
        register_module(nameof(head), replacement);
        head.Dispose();
        head = replacement;
        _options.NumClasses = numClasses;
    }

    /// <summary>A final norm (LayerNorm or identity), in fp32 under autocast.</summary>
    private static Tensor Normalize(Module<Tensor, Tensor> normalization, Tensor x) =>
        normalization is LayerNorm layerNorm ? Autocast.LayerNorm(layerNorm, x) : normalization.call(x);

    /// <summary>Takes over <paramref name="output"/> and returns it in the weights' dtype (autocast leaves the head's output in its own).</summary>
    private Tensor InWeightsDtype(Tensor output)
    {
        if (output.dtype == pos_embed.dtype)
        {
            return output;
        }

        using (output)
        {
            return output.to_type(pos_embed.dtype);
        }
    }

    /// <summary>Patch tokens with the class token prepended and the position embedding added (timm's <c>_pos_embed</c>).</summary>
    private Tensor Embed(Tensor images)
    {
        using var patches = patch_embed.call(images);
        Tensor tokens;
        if (cls_token is null)
        {
            tokens = patches + pos_embed;
        }
        else
        {
            using var cls = cls_token.expand(patches.shape[0], -1, -1);
            using var joined = torch.cat([cls, patches], 1);
            tokens = joined + pos_embed;
        }

        using (tokens)
        {
            return pos_drop.call(tokens);
        }
    }

    /// <summary>
    /// timm's default init (<c>init_weights</c> + <c>init_weights_vit_timm</c>): trunc-normal(0.02) for the position
    /// embedding and every Linear weight, zero Linear biases, N(0, 1e-6) class token; LayerNorms stay ones/zeros and
    /// the patch convolution keeps PyTorch's default (timm's init function does not touch Conv2d).
    /// </summary>
    private void InitializeWeights()
    {
        using var noGrad = torch.no_grad();
        TruncatedNormal.Fill(pos_embed, std: 0.02);
        if (cls_token is not null)
        {
            init.normal_(cls_token, std: 1e-6);
        }

        foreach (var module in modules())
        {
            if (module is Linear linear)
            {
                TruncatedNormal.Fill(linear.weight!, std: 0.02);
                if (linear.bias is not null)
                {
                    init.zeros_(linear.bias);
                }
            }
        }
    }
}
