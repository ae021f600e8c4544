using Vit.Core;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// Counts the floating-point operations of a ViT analytically from its architecture (not by timing or tracing).
/// </summary>
/// <remarks>
/// Only matrix products are counted, 2 FLOP per multiply-add (the usual convention for model FLOP utilisation):
/// with N = (S/P)^2 patches, T = N + 1 tokens (class token), D the width, M the MLP width, C channels, K classes, L layers,
/// <code>
/// forward = 2·N·(C·P²)·D                          patch embedding (a P-stride convolution = one GEMM)
///         + L · [ 2·T·D·3D + 2·T·D·D               qkv and output projections
///               + 2·T·T·D + 2·T·T·D               Q·Kᵀ and softmax(·)·V over all heads
///               + 2·T·D·M + 2·T·M·D ]             fc1 and fc2
///         + 2·D·K                                 classifier on the pooled token
/// training = 3 · forward                          backward = 2 GEMMs per forward GEMM (input and weight gradients)
/// </code>
/// Layer norms, GELU, softmax, residual adds and the optimizer are left out: they are the overhead that keeps the
/// achieved rate below the GEMM peak. For the origin width (L=6, D=384, M=1536, P=4, 28x28x1) this gives
/// 1.0854 GFLOP forward and 3.2562 GFLOP per trained image.
/// </remarks>
internal static class ModelFlops
{
    /// <summary>Forward FLOP per image.</summary>
    public static double ForwardPerImage(VisionTransformerOptions o)
    {
        double patches = (double)o.GridSize * o.GridSize;
        double tokens = patches + (o.Pooling == Pooling.ClassToken ? 1 : 0);
        double d = o.EmbedDim, m = o.MlpHiddenDim;
        double patchEmbed = 2 * patches * o.InChannels * o.PatchSize * o.PatchSize * d;
        double projections = (2 * tokens * d * 3 * d) + (2 * tokens * d * d);
        double attention = 2 * (2 * tokens * tokens * d);
        double mlp = 2 * (2 * tokens * d * m);
        double head = 2 * d * o.NumClasses;
        return patchEmbed + (o.Depth * (projections + attention + mlp)) + head;
    }

    /// <summary>Training FLOP per image: forward plus a backward that costs two forwards.</summary>
    public static double TrainingPerImage(VisionTransformerOptions o) => 3 * ForwardPerImage(o);
}
