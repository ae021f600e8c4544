using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Benchmarks.Profiling;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>profile</c>: where a training step's time goes. Times every GEMM shape and every other op kind of the step in
/// isolation (forward and backward), then real steps split into phases, and prints one table: per op, runs per
/// step, ms per run, ms per step, share of the measured step, and for GEMMs the rate and its fraction of the peak.
/// </summary>
internal static class ProfileCommand
{
    public static int Run(Arguments args)
    {
        var options = ModelArguments.Read(args);
        int batch = args.Int("batch", 128);
        int repetitions = args.Int("repetitions", 5);
        int steps = args.Int("steps", 3);
        var precision = PrecisionArgument.Read(args);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        using var peak = new PeakFlops(dtype: precision);
        double peakBefore = peak.Measure(5);
        var rows = new List<ProfileRow>();
        if (precision == TorchSharp.torch.ScalarType.Float32)
        {
            using var phases = new PhaseProfiler(options, batch);
            rows.AddRange(phases.Run(steps));
        }
        else
        {
            // No Trainer under autocast yet: a hand-written step, alternating with its fp32 twin.
            using var phases = new HandPhaseProfiler(options, batch, precision);
            rows.AddRange(phases.Run(steps));
        }

        rows.AddRange(GemmProfiler.Run(options, batch, repetitions, precision));
        rows.AddRange(OpProfiler.Run(options, batch, repetitions, precision));
        if (precision != TorchSharp.torch.ScalarType.Float32)
        {
            rows.AddRange(AutocastOpProfiler.Run(options, batch, repetitions, precision));
        }

        double peakGflops = Statistics.Median([peakBefore, peak.Measure(5)]);
        Console.WriteLine($"# peak_gflops and %peak: the {PrecisionArgument.Name(precision)} 2048² matmul");

        double step = rows.First(r => r.Group == "phase" && r.Name.Contains("(whole step)", StringComparison.Ordinal)).Milliseconds;
        Console.WriteLine($"{"group",-11} {"op",-72} {"n/step",6} {"ms/run",9} {"ms/step",9} {"%step",6} {"GFLOP/s",8} {"%peak",6}");
        foreach (var row in rows)
        {
            if (row.CountPerStep == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Group,-11} {row.Name,-72} {"-",6} {row.Milliseconds,9:F2} {row.Gflops,26:F1}"));
                continue;
            }

            string rate = row.Gflop > 0 ? string.Create(CultureInfo.InvariantCulture, $"{row.Gflops,8:F1} {100 * row.Gflops / peakGflops,6:F1}") : string.Empty;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{row.Group,-11} {row.Name,-72} {row.CountPerStep,6} {row.Milliseconds,9:F2} {row.StepMilliseconds,9:F1} {100 * row.StepMilliseconds / step,6:F1} {rate}"));
        }

        var ops = rows.Where(r => r.Group is not ("phase" or "alt")).ToList();
        double gemm = ops.Where(r => r.Group == "gemm").Sum(r => r.StepMilliseconds);
        double gemmGflop = ops.Where(r => r.Group == "gemm").Sum(r => r.Gflop * r.CountPerStep);
        double other = ops.Where(r => r.Group != "gemm").Sum(r => r.StepMilliseconds);
        double optimizer = rows.Where(r => r.Group == "phase" && r.Name.StartsWith("optimizer", StringComparison.Ordinal)).Sum(r => r.Milliseconds);
        double bottomUp = gemm + other + optimizer;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"summary: step_ms={step:F1} peak_gflops={peakGflops:F1} block_gemm_ms={gemm:F1} ({100 * gemm / step:F1}% of step, {gemmGflop / (gemm / 1000):F1} GFLOP/s = {gemmGflop / (gemm / 1000) / peakGflops:F3} of peak) " +
            $"other_ops_ms={other:F1} ({100 * other / step:F1}%) optimizer_ms={optimizer:F1} ({100 * optimizer / step:F1}%) " +
            $"unattributed_ms={step - bottomUp:F1} ({100 * (step - bottomUp) / step:F1}%: embedding, loss, autograd engine, allocation, managed code)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }
}
