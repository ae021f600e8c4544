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
    private readonly PatchEmbedding patch_embed;
    private readonly Parameter? cls_token;
    private readonly Parameter? reg_token;
    private readonly Parameter? dist_token;
    private readonly Parameter pos_embed;
    private readonly Module<Tensor, Tensor> pos_drop;
    private readonly Module<Tensor, Tensor> norm_pre;
    private ModuleList<EncoderLayer> blocks;
    private Module<Tensor, Tensor> norm;
    private readonly AttentionPoolLatent? attn_pool;
    private Module<Tensor, Tensor> fc_norm;
    private readonly Module<Tensor, Tensor> head_drop;
    private Module<Tensor, Tensor> head;
    private Module<Tensor, Tensor>? head_dist;
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
        int dim = o.EmbedDim;

        // Parts a variant does not have are null (no key) or identities (no work), as in timm's constructor.
        patch_embed = new PatchEmbedding(o);
        cls_token = o.HasClassToken ? new Parameter(torch.zeros(1, 1, dim)) : null;
        reg_token = o.RegisterTokens > 0 ? new Parameter(torch.zeros(1, o.RegisterTokens, dim)) : null;
        dist_token = o.DistillationToken ? new Parameter(torch.zeros(1, 1, dim)) : null;
        int positions = patch_embed.NumPatches + (o.PositionEmbeddingCoversPrefix ? o.NumPrefixTokens : 0);
        pos_embed = new Parameter(torch.zeros(1, positions, dim));
        pos_drop = Rates.DropoutOrIdentity(o.Dropout);
        norm_pre = Layers.NormOrIdentity(o.PreNorm, o.Norm, dim, o.LayerNormEpsilon);

        // Stochastic depth rises linearly from 0 to DropPathRate across the blocks (timm's linspace).
        blocks = new ModuleList<EncoderLayer>();
        for (int i = 0; i < o.Depth; i++)
        {
            double dropPath = o.Depth == 1 ? 0.0 : o.DropPathRate * i / (o.Depth - 1);
            blocks.Add(new EncoderLayer(o, dropPath));
        }

        // timm: the final norm is `norm` on every token, or `fc_norm` after pooling (mean/max pooling by default).
        norm = Layers.NormOrIdentity(o.FinalNorm && !o.UsesFcNorm, o.Norm, dim, o.LayerNormEpsilon);
        attn_pool = o.Pooling == Pooling.AttentionPool ? new AttentionPoolLatent(dim, o.NumHeads, o.MlpHiddenDim, o.Activation, o.Norm, o.LayerNormEpsilon) : null;
        fc_norm = Layers.NormOrIdentity(o.UsesFcNorm, o.Norm, dim, o.LayerNormEpsilon);
        head_drop = Rates.DropoutOrIdentity(o.HeadDropout);
        head = o.NumClasses > 0 ? new AutocastLinear(dim, o.NumClasses) : Identity();
        head_dist = o.DistillationToken ? (o.NumClasses > 0 ? new AutocastLinear(dim, o.NumClasses) : Identity()) : null;
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>Gets a copy of the options the model was built with (<see cref="VisionTransformerOptions.NumClasses"/> follows <see cref="ResetClassifier"/>).</summary>
    public VisionTransformerOptions Options => _options.Clone();

    /// <summary>Gets the number of tokens before the patch tokens: the class token, then the register or distillation tokens (timm's <c>num_prefix_tokens</c>).</summary>
    public int NumPrefixTokens => _options.NumPrefixTokens;

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
        using var features = ForwardFeatures(images);
        return ForwardHead(features);
    }

    /// <summary>Runs the patch embedding and the encoder (timm's <c>forward_features</c>).</summary>
    /// <param name="images">Images shaped <c>[B, InChannels, ImageSize, ImageSize]</c>.</param>
    /// <returns>All tokens after the final <c>norm</c>, shaped <c>[B, NumPrefixTokens + NumPatches, EmbedDim]</c>.</returns>
    public Tensor ForwardFeatures(Tensor images)
    {
        var x = EmbedAndPreNorm(images);
        foreach (var block in blocks)
        {
            var next = _gradientCheckpointing ? GradientCheckpoint.Run(block, x) : block.call(x);
            x.Dispose();
            x = next;
        }

        using (x)
        {
            return InWeightsDtype(norm.call(x));
        }
    }

    /// <summary>Pools the tokens and applies the classifier (timm's <c>forward_head</c>).</summary>
    /// <param name="features">Output of <see cref="ForwardFeatures"/>.</param>
    /// <param name="preLogits">When true, return the pooled (and <c>fc_norm</c>-ed) features instead of logits (timm's <c>pre_logits</c>; with a distillation token, the mean of the class and distillation tokens).</param>
    /// <returns>Logits <c>[B, NumClasses]</c>, or pre-logits <c>[B, EmbedDim]</c>.</returns>
    /// <exception cref="ArgumentException">The features are not shaped <c>[B, T, EmbedDim]</c>.</exception>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 3 || features.shape[2] != _options.EmbedDim)
        {
            throw new ArgumentException($"Expected features shaped [batch, tokens, {_options.EmbedDim}] (the output of ForwardFeatures), got [{string.Join(", ", features.shape)}].", nameof(features));
        }

        if (head_dist is not null)
        {
            return InWeightsDtype(DistilledHead(features, head_dist, preLogits));
        }

        using var pooled = Pool(features);
        using var normed = fc_norm.call(pooled);
        var dropped = head_drop.call(normed);
        if (preLogits)
        {
            return InWeightsDtype(dropped);
        }

        using (dropped)
        {
            return InWeightsDtype(head.call(dropped));
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
        var maps = new List<Tensor>(blocks.Count);
        var x = EmbedAndPreNorm(images);
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
    /// timm's <c>reset_classifier</c> does (both heads of a distilled model): the new layers have PyTorch's default Linear initialisation.
    /// Build optimizers after calling this: the head's parameters are new objects.
    /// </summary>
    /// <param name="numClasses">The new number of classes, at least 0.</param>
    public void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numClasses);
        var device = pos_embed.device;
        var dtype = pos_embed.dtype;
        Module<Tensor, Tensor> replacement = numClasses > 0 ? new AutocastLinear(_options.EmbedDim, numClasses, device: device, dtype: dtype) : Identity();
        register_module(nameof(head), null!); // a null module unregisters the old one
        register_module(nameof(head), replacement);
        head.Dispose();
        head = replacement;
        if (head_dist is not null)
        {
            Module<Tensor, Tensor> distReplacement = numClasses > 0 ? new AutocastLinear(_options.EmbedDim, numClasses, device: device, dtype: dtype) : Identity();
            register_module(nameof(head_dist), null!);
            register_module(nameof(head_dist), distReplacement);
            head_dist.Dispose();
            head_dist = distReplacement;
        }

        _options.NumClasses = numClasses;
    }

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
}
