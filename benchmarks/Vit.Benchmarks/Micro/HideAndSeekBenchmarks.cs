using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Micro;

/// <summary><see cref="HideAndSeek"/> (paper defaults) on a batch of 128 images, grayscale 28x28 and RGB 32x32.</summary>
[MemoryDiagnoser(false)]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the fields.")]
public class HideAndSeekBenchmarks
{
    private HideAndSeek _transform = null!;
    private Generator _generator = null!;
    private Tensor _images = null!;

    [Params(1, 3)]
    public int Channels { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _transform = new HideAndSeek(new HideAndSeekOptions { Seed = 0 });
        _generator = new Generator(0, CPU);
        int size = Channels == 1 ? 28 : 32;
        _images = rand(Shapes.Batch, Channels, size, size);
    }

    [Benchmark]
    public void Apply()
    {
        using var scope = NewDisposeScope();
        _ = _transform.Apply(_images, _generator);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transform.Dispose();
        _generator.Dispose();
        _images.Dispose();
    }
}
