using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Micro;

/// <summary><see cref="MultiHeadAttention"/> on [128, 50, 384] tokens: inference forward, and forward + backward.</summary>
public class AttentionBenchmarks : TokenModuleBenchmarks
{
    protected override nn.Module<Tensor, Tensor> CreateModule() => new MultiHeadAttention(Shapes.Dim, Shapes.Heads);
}
