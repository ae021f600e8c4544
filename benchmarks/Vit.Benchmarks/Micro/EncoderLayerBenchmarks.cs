using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Micro;

/// <summary>One <see cref="EncoderLayer"/> (384 wide, 6 heads, MLP 1536) on [128, 50, 384] tokens.</summary>
public class EncoderLayerBenchmarks : TokenModuleBenchmarks
{
    protected override nn.Module<Tensor, Tensor> CreateModule() => new EncoderLayer(Shapes.Dim, Shapes.Heads, Shapes.Hidden);
}
