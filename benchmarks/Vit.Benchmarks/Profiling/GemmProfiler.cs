using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Profiling;

/// <summary>
/// Times the three matrix products of every Linear layer of a block at the step's real shapes, the way autograd
/// runs them for <c>y = x·Wᵀ + b</c> on <c>[N, in]</c> tokens: forward <c>addmm(b, x, Wᵀ)</c>, input gradient
/// <c>dy·W</c>, weight gradient <c>dyᵀ·x</c> (and the bias gradient, a column sum), with every operand in
/// <c>dtype</c> (under autocast, bf16 or fp16).
/// </summary>
internal static class GemmProfiler
{
    public static IEnumerable<ProfileRow> Run(VisionTransformerOptions o, int batch, int repetitions, ScalarType dtype = ScalarType.Float32)
    {
        int tokens = (o.GridSize * o.GridSize) + 1;
        long n = (long)batch * tokens;
        int d = o.EmbedDim, m = o.MlpHiddenDim;
        var layers = new (string Name, int In, int Out)[] { ("qkv", d, 3 * d), ("proj", d, d), ("fc1", d, m), ("fc2", m, d) };
        foreach (var (name, input, output) in layers)
        {
            using var x = randn(n, input, dtype);
            using var w = randn(output, input, dtype).mul_(0.02);
            using var b = zeros(output, dtype);
            using var dy = randn(n, output, dtype);
            double gflop = 2.0 * n * input * output / 1e9;
            using var noGrad = no_grad();
            yield return new ProfileRow("gemm", $"{name} forward x·Wᵀ+b [{n}x{input}]·[{input}x{output}]", o.Depth,
                OpTimer.Milliseconds(() => nn.functional.linear(x, w, b), repetitions), gflop);
            yield return new ProfileRow("gemm", $"{name} grad input dy·W [{n}x{output}]·[{output}x{input}]", o.Depth,
                OpTimer.Milliseconds(() => dy.mm(w), repetitions), gflop);
            yield return new ProfileRow("gemm", $"{name} grad weight dyᵀ·x [{output}x{n}]·[{n}x{input}]", o.Depth,
                OpTimer.Milliseconds(() => dy.t().mm(x), repetitions), gflop);
            yield return new ProfileRow("reduction", $"{name} grad bias Σdy [{n}x{output}]", o.Depth,
                OpTimer.Milliseconds(() => dy.sum(0), repetitions), 0);
        }
    }
}
