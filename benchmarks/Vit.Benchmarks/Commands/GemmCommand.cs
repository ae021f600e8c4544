using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Benchmarks.Profiling;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>gemm</c>: the rate of every matrix product of a training step in each of the four operand layouts BLAS
/// accepts (A or Aᵀ stored, B or Bᵀ stored), into a fresh output as the model does. Shows which layouts the BLAS
/// runs well at these shapes, and whether a product is slow by shape or by layout.
/// </summary>
internal static class GemmCommand
{
    public static int Run(Arguments args)
    {
        var o = ModelArguments.Read(args);
        int batch = args.Int("batch", 128);
        int repetitions = args.Int("repetitions", 5);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        using var peak = new PeakFlops();
        double peakGflops = peak.Measure(5);
        long n = (long)batch * ((o.GridSize * o.GridSize) + 1);
        int d = o.EmbedDim, m = o.MlpHiddenDim;
        // (label, M, K, N) of C[M,N] = A[M,K]·B[K,N]: forward, input gradient, weight gradient of each Linear.
        var shapes = new List<(string, long, long, long)>();
        foreach (var (name, input, output) in new (string, long, long)[] { ("qkv", d, 3 * d), ("proj", d, d), ("fc1", d, m), ("fc2", m, d) })
        {
            shapes.Add(($"{name} forward", n, input, output));
            shapes.Add(($"{name} grad input", n, output, input));
            shapes.Add(($"{name} grad weight", output, n, input));
        }

        Console.WriteLine($"{"product",-18} {"M x K x N",-20} {"A·B",8} {"A·Bᵀ",8} {"Aᵀ·B",8} {"Aᵀ·Bᵀ",8}  (GFLOP/s; peak {peakGflops:F1})");
        foreach (var (label, rows, inner, cols) in shapes)
        {
            using var a = randn(rows, inner);
            using var at = randn(inner, rows);
            using var b = randn(inner, cols);
            using var bt = randn(cols, inner);
            double gflop = 2.0 * rows * inner * cols / 1e9;
            double Rate(Func<Tensor> product) => gflop / (OpTimer.Milliseconds(() => product(), repetitions) / 1000);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{label,-18} {$"{rows}x{inner}x{cols}",-20} {Rate(() => a.mm(b)),8:F1} {Rate(() => a.mm(bt.t())),8:F1} {Rate(() => at.t().mm(b)),8:F1} {Rate(() => at.t().mm(bt.t())),8:F1}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# peak_gflops_end={peak.Measure(5):F1} load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }
}
