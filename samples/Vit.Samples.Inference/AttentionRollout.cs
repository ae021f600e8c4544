using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Samples.Inference;

/// <summary>
/// Attention rollout (Abnar and Zuidema, "Quantifying Attention Flow in Transformers", ACL 2020): per block, average
/// the heads' attention, add the identity for the residual connection and renormalise the rows; multiply these
/// through the blocks, first block rightmost. The row of the token the classifier reads (the class token, or the
/// mean of all rows for mean pooling) says how much each patch contributed.
/// </summary>
internal static class AttentionRollout
{
    /// <summary>Computes the rollout of each image over the patch grid.</summary>
    /// <param name="model">The model (its mode is left as it was; gradients are not recorded).</param>
    /// <param name="images">Model-ready images [B, C, H, W].</param>
    /// <returns>[B, grid, grid] relevance of each patch, min-max scaled to [0, 1] per image.</returns>
    public static Tensor Compute(VisionTransformer model, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var maps = model.ForwardAttentionMaps(images);
        long batch = images.shape[0], tokens = maps[0].shape[^1];
        // float64: the rollout is a product of Depth matrices, and min-max scaling magnifies rounding.
        var identity = eye(tokens, dtype: ScalarType.Float64, device: images.device);
        Tensor rollout = identity.expand(batch, tokens, tokens);
        foreach (var attention in maps)
        {
            var averaged = attention.to(ScalarType.Float64).mean([1]);            // [B, T, T]
            var withResidual = averaged.add(identity, ScalarConstants.One);
            var normalised = withResidual / withResidual.sum(-1, keepdim: true);
            rollout = normalised.matmul(rollout);                                 // later blocks on the left
        }

        int prefix = model.NumPrefixTokens;
        // What the head reads: the class token's row, or (mean pooling) the mean of the patch tokens' rows.
        var read = prefix > 0 ? rollout[.., 0] : rollout.mean([1]);             // [B, T]
        var patches = read[.., prefix..];
        int grid = model.Options.GridSize;
        var relevance = patches.reshape(batch, grid, grid);
        // Min-max scaled per image for display: the identity terms give every patch a floor of relevance.
        var low = relevance.amin([1, 2], keepdim: true);
        using var tiny = 1e-12.ToScalar();
        var span = (relevance.amax([1, 2], keepdim: true) - low).clamp_min(tiny);
        return ((relevance - low) / span).to(ScalarType.Float32).cpu().MoveToOuterDisposeScope();
    }
}
