using Vit.Benchmarks.Measurement;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Times the work autocast adds to a step at the step's shapes: the fp32 LayerNorm outputs cast to the autocast
/// dtype before qkv and fc1 (and their gradients cast back), the lower-precision branch gradients the residual adds
/// hand back, and every weight cast once per forward with its gradient cast back. Also times the fused attention in
/// the dtype and in fp32 in alternation, the evidence behind <see cref="Autocast.CpuAttentionInFloat32"/>.
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

        if (Autocast.CpuAttentionInFloat32)
        {
            using var heads = randn(batch, tokens, 3 * d, dtype).requires_grad_();
            var (upF, upB) = OpTimer.ForwardBackward(() => heads.to_type(ScalarType.Float32), repetitions);
            yield return new ProfileRow("autocast", $"attention inputs q, k, v {dtype}→fp32 (CPU attention in fp32) [{batch}x{tokens}x{3 * d}]", l, upF, 0);
            yield return new ProfileRow("autocast", $"their gradients fp32→{dtype}", l, upB, 0);
            yield return new ProfileRow("autocast", $"attention output fp32→{dtype} before proj {shape}, and its gradient", l, castF + castB, 0);
        }

        // Fused attention in the autocast dtype against fp32, alternating so both see the same load.
        int h = o.NumHeads;
        using var qkvLow = randn(batch, tokens, 3 * d, dtype).requires_grad_();
        using var qkv32 = randn(batch, tokens, 3 * d).requires_grad_();
        Func<Tensor> Attention(Tensor qkv) => () =>
        {
            var parts = qkv.reshape(batch, tokens, 3, h, d / h).permute(2, 0, 3, 1, 4).unbind(0);
            return nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        };
        var low = new List<(double Forward, double Backward)>();
        var full = new List<(double Forward, double Backward)>();
        for (int i = 0; i < 3; i++)
        {
            low.Add(OpTimer.ForwardBackward(Attention(qkvLow), repetitions));
            full.Add(OpTimer.ForwardBackward(Attention(qkv32), repetitions));
        }

        yield return new ProfileRow("alt", $"sdpa {dtype} forward / backward, alternating with fp32 [not in step on CPU]", 0, Statistics.Median(low.Select(x => x.Forward)), 0);
        yield return new ProfileRow("alt", $"sdpa {dtype} backward", 0, Statistics.Median(low.Select(x => x.Backward)), 0);
        yield return new ProfileRow("alt", "sdpa fp32 forward (what CpuAttentionInFloat32 runs while training)", 0, Statistics.Median(full.Select(x => x.Forward)), 0);
        yield return new ProfileRow("alt", "sdpa fp32 backward", 0, Statistics.Median(full.Select(x => x.Backward)), 0);

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
