using System.Diagnostics;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// This machine's practical fp32 ceiling, measured in-process with the same libtorch, BLAS and thread settings as
/// the model: the rate of one large square matmul (2·n³ FLOP), which BLAS runs as close to the FMA peak as it gets.
/// </summary>
internal sealed class PeakFlops : IDisposable
{
    private readonly Tensor _a;
    private readonly Tensor _b;
    private readonly Tensor _c;
    private readonly long _n;
    private readonly List<double> _samples = [];

    public PeakFlops(long n = 2048)
    {
        _n = n;
        _a = randn(n, n);
        _b = randn(n, n);
        _c = empty(n, n);
        Sample(); // first call pays for BLAS buffers and thread start-up
        _samples.Clear();
    }

    /// <summary>Gets the samples taken so far, in GFLOP/s.</summary>
    public IReadOnlyList<double> Samples => _samples;

    /// <summary>Times one matmul and records its rate.</summary>
    public double Sample()
    {
        var watch = Stopwatch.StartNew();
        _c.addmm_(_a, _b, beta: 0, alpha: 1); // into a preallocated output: no allocation or page faults in the timing
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
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }
}
