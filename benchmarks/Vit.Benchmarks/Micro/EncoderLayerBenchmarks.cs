using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Micro;

/// <summary>One <see cref="EncoderLayer"/> (384 wide, 6 heads, MLP 1536) on [128, 50, 384] tokens.</summary>
[MemoryDiagnoser(false)]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the fields.")]
public class EncoderLayerBenchmarks
{
    private EncoderLayer _layer = null!;
    private Tensor _tokens = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuMemory.RetainFreedMemory();
        _layer = new EncoderLayer(Shapes.Dim, Shapes.Heads, Shapes.Hidden);
        _tokens = randn(Shapes.Batch, Shapes.Tokens, Shapes.Dim);
    }

    [Benchmark]
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _ = _layer.call(_tokens);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        var input = _tokens.detach().requires_grad_();
        _layer.call(input).sum().backward();
        _layer.zero_grad();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer.Dispose();
        _tokens.Dispose();
    }
}
