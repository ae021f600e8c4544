using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Times the work autocast adds to a step at the step's shapes: the fp32 LayerNorm outputs cast to the autocast
/// dtype before qkv and fc1 (and their gradients cast back), the lower-precision branch gradients the residual adds
/// hand back, and every weight cast once per forward with its gradient cast back.
/// </summary>
internal static class AutocastOpProfiler
{
    public static IEnumerable<ProfileRow> Run(VisionTransformerOptions o, int batch, int repetitions, ScalarType dtype)
    {
        int tokens = (o.GridSize * o.GridSize) + 1;
        int d = o.EmbedDim, l = o.Depth;
        string shape = $"[{batch}x{tokens}x{d}]";

        using var normed = randn(batch, tokens, d).requires_grad_();
        var (castF, castB) = OpTimer.ForwardBackward(() => normed.to_type(dtype), repetitions);
        yield return new ProfileRow("autocast", $"cast LayerNorm output fp32→{dtype} before qkv/fc1 {shape}", 2 * l, castF, 0);
        yield return new ProfileRow("autocast", $"its gradient {dtype}→fp32 {shape}", 2 * l, castB, 0);

        using var streamGrad = randn(batch, tokens, d);
        using var noGrad = no_grad();
        yield return new ProfileRow("autocast", $"residual add backward: fp32 gradient→{dtype} for the branch {shape}", 2 * l,
            OpTimer.Milliseconds(() => streamGrad.to_type(dtype), repetitions), 0);

        using var model = new VisionTransformer(o);
        var weights = model.parameters().Where(p => p.dim() > 1).ToList();
        long count = weights.Sum(p => p.numel());
        yield return new ProfileRow("autocast", $"weight casts fp32→{dtype}, once per forward ({weights.Count} matrices, {count / 1e6:F1} M values)", 1,
            OpTimer.Milliseconds(() => weights.ForEach(w => w.to_type(dtype)), repetitions), 0);
        var grads = weights.Select(w => zeros_like(w, dtype)).ToList();
        yield return new ProfileRow("autocast", $"weight gradients {dtype}→fp32 into the fp32 .grad", 1,
            OpTimer.Milliseconds(() => grads.ForEach(g => g.to_type(ScalarType.Float32)), repetitions), 0);
        grads.ForEach(g => g.Dispose());
    }
}
