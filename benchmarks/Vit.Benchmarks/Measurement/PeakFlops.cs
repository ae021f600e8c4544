using System.Diagnostics;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// This machine's practical ceiling for one dtype (fp32 unless told), measured in-process with the same libtorch,
/// BLAS and thread settings as the model: the rate of one large square matmul (2·n³ FLOP), which BLAS (oneDNN for
/// bf16/fp16) runs as close to the FMA peak as it gets.
/// </summary>
internal sealed class PeakFlops : IDisposable
{
    private readonly long _n;
    private readonly ScalarType _dtype;
    private readonly List<double> _samples = [];

    public PeakFlops(long n = 2048, ScalarType dtype = ScalarType.Float32)
    {
        _n = n;
        _dtype = dtype;
        Sample(); // first call pays for BLAS buffers and thread start-up
        _samples.Clear();
    }

    /// <summary>Gets the samples taken so far, in GFLOP/s.</summary>
    public IReadOnlyList<double> Samples => _samples;

    /// <summary>Times one matmul and records its rate.</summary>
    public double Sample()
    {
        // Operands live only for the sample (48 MiB at n = 2048), so they do not add to the model's peak memory;
        // the output is written before the clock starts, so no page is first touched inside the timing.
        using var scope = NewDisposeScope();
        var a = randn(_n, _n, _dtype);
        var b = randn(_n, _n, _dtype);
        var c = zeros(_n, _n, _dtype);
        var watch = Stopwatch.StartNew();
        c.addmm_(a, b, beta: 0, alpha: 1);
        watch.Stop();
        double gflops = 2.0 * _n * _n * _n / watch.Elapsed.TotalSeconds / 1e9;
        _samples.Add(gflops);
        return gflops;
    }

    /// <summary>Takes <paramref name="count"/> samples and returns their median.</summary>
    public double Measure(int count)
    {
        var taken = new double[count];
        for (int i = 0; i < count; i++)
        {
            taken[i] = Sample();
        }

        return Statistics.Median(taken);
    }

    public void Dispose()
    {
        // Nothing is held between samples; kept disposable so callers scope it like the other measurements.
    }
}
