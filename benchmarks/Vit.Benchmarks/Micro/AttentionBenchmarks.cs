using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Micro;

/// <summary><see cref="MultiHeadAttention"/> on [128, 50, 384] tokens: inference forward, and forward + backward.</summary>
[MemoryDiagnoser(false)]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the fields.")]
public class AttentionBenchmarks
{
    private MultiHeadAttention _attention = null!;
    private Tensor _tokens = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuMemory.RetainFreedMemory();
        _attention = new MultiHeadAttention(Shapes.Dim, Shapes.Heads);
        _tokens = randn(Shapes.Batch, Shapes.Tokens, Shapes.Dim);
    }

    [Benchmark]
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _ = _attention.call(_tokens);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        var input = _tokens.detach().requires_grad_();
        _attention.call(input).sum().backward();
        _attention.zero_grad();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _attention.Dispose();
        _tokens.Dispose();
    }
}
