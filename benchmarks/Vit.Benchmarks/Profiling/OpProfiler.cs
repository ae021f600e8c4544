using Vit.Core;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Times each non-GEMM op of a training step in isolation at the step's shapes, forward and backward separately
/// (through autograd, on leaf tensors that require gradients), so the step's time can be rebuilt bottom-up. GELU and
/// attention run in <c>dtype</c> (what autocast gives them); LayerNorm and the residual stream stay fp32.
/// </summary>
internal static class OpProfiler
{
    public static IEnumerable<ProfileRow> Run(VisionTransformerOptions o, int batch, int repetitions, ScalarType dtype = ScalarType.Float32)
    {
        int tokens = (o.GridSize * o.GridSize) + 1;
        int d = o.EmbedDim, m = o.MlpHiddenDim, h = o.NumHeads, l = o.Depth;
        string bt = $"[{batch}x{tokens}x";

        using var x = randn(batch, tokens, d).requires_grad_();
        using var lnWeight = ones(d).requires_grad_();
        using var lnBias = zeros(d).requires_grad_();
        var (lnF, lnB) = OpTimer.ForwardBackward(() => F.layer_norm(x, [d], lnWeight, lnBias, 1e-6), repetitions);
        yield return new ProfileRow("norm", $"layer_norm forward {bt}{d}]", (2 * l) + 1, lnF, 0);
        yield return new ProfileRow("norm", $"layer_norm backward {bt}{d}]", (2 * l) + 1, lnB, 0);

        using var hidden = randn(batch, tokens, m, dtype).requires_grad_();
        var (geluF, geluB) = OpTimer.ForwardBackward(() => F.gelu(hidden), repetitions);
        yield return new ProfileRow("activation", $"gelu (erf) forward {bt}{m}]", l, geluF, 0);
        yield return new ProfileRow("activation", $"gelu (erf) backward {bt}{m}]", l, geluB, 0);

        // q, k, v as the model makes them: strided views of one [B, T, 3D] projection.
        // Under autocast on the CPU the step runs attention in fp32 (Autocast.CpuAttentionInFloat32).
        var attentionDtype = Autocast.CpuAttentionInFloat32 ? ScalarType.Float32 : dtype;
        using var qkv = randn(batch, tokens, 3 * d, attentionDtype).requires_grad_();
        double attentionGflop = 2.0 * 2.0 * batch * tokens * tokens * d / 1e9;
        var (sdpaF, sdpaB) = OpTimer.ForwardBackward(
            () =>
            {
                var parts = qkv.reshape(batch, tokens, 3, h, d / h).permute(2, 0, 3, 1, 4).unbind(0);
                return F.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
            },
            repetitions);
        yield return new ProfileRow("attention", $"sdpa forward (QKᵀ, softmax, ·V) {h} heads, T={tokens}, {attentionDtype}", l, sdpaF, attentionGflop);
        yield return new ProfileRow("attention", $"sdpa backward", l, sdpaB, 2 * attentionGflop);

        // The alternative to the fused kernel at short sequences: attention spelled out with batched GEMMs.
        double scale = 1.0 / Math.Sqrt(d / h);
        var (mathF, mathB) = OpTimer.ForwardBackward(
            () =>
            {
                var parts = qkv.reshape(batch, tokens, 3, h, d / h).permute(2, 0, 3, 1, 4).unbind(0);
                var scores = parts[0].mul(scale).matmul(parts[1].transpose(-2, -1)).softmax(-1);
                return scores.matmul(parts[2]);
            },
            repetitions);
        yield return new ProfileRow("alt", $"attention spelled out (bmm, softmax, bmm) forward [not in step]", 0, mathF, attentionGflop);
        yield return new ProfileRow("alt", $"attention spelled out backward [not in step]", 0, mathB, 2 * attentionGflop);

        using var noGrad = no_grad();
        var views = qkv.detach().reshape(batch, tokens, 3, h, d / h).permute(2, 0, 3, 1, 4).unbind(0);
        using var heads = F.scaled_dot_product_attention(views[0], views[1], views[2]);
        bool copies = !heads.transpose(1, 2).is_contiguous();
        yield return new ProfileRow("memory", $"merge heads [B,H,T,Dh]→{bt}{d}] ({(copies ? "a copy" : "a view")})", l,
            OpTimer.Milliseconds(() => heads.transpose(1, 2).reshape(batch, tokens, d), repetitions), 0);
        using var y = randn(batch, tokens, d, dtype);
        // Each residual add runs forward; its backward accumulates the two incoming gradients (one more add).
        yield return new ProfileRow("elementwise", $"residual add (forward, and gradient accumulation) {bt}{d}] fp32 + {dtype}", 4 * l,
            OpTimer.Milliseconds(() => _ = x.detach() + y, repetitions), 0);
    }
}
