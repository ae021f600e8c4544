using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Micro;

/// <summary>
/// A module that maps [128, 50, 384] tokens to tokens, benchmarked as inference forward and as forward + backward;
/// subclasses say which module.
/// </summary>
[MemoryDiagnoser(false)]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the fields.")]
public abstract class TokenModuleBenchmarks
{
    private nn.Module<Tensor, Tensor> _module = null!;
    private Tensor _tokens = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuMemory.RetainFreedMemory();
        _module = CreateModule();
        _tokens = randn(Shapes.Batch, Shapes.Tokens, Shapes.Dim);
    }

    [Benchmark]
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _ = _module.call(_tokens);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        var input = _tokens.detach().requires_grad_();
        _module.call(input).sum().backward();
        _module.zero_grad();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _module.Dispose();
        _tokens.Dispose();
    }

    /// <summary>Creates the module under test.</summary>
    /// <returns>A module that maps [batch, tokens, dim] to the same shape.</returns>
    protected abstract nn.Module<Tensor, Tensor> CreateModule();
}
