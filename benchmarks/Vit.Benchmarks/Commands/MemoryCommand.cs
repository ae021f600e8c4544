using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Core;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>memory</c>: resident memory of a training loop (Vit's Trainer.TrainStep, or the baseline) every <c>--every</c>
/// steps, to show it stays flat: each line gives the peak resident set of its window of steps, and the last line
/// compares the first window's peak with the last one's.
/// </summary>
internal static class MemoryCommand
{
    public static int Run(Arguments args)
    {
        var options = ModelArguments.Read(args);
        int batch = args.Int("batch", 128);
        int steps = args.Int("steps", 300);
        int every = args.Int("every", 50);
        string model = args.String("model", "vit");
        int trimEvery = args.Int("trim-every", 0);
        var precision = PrecisionArgument.Read(args);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();
        if (every < 1 || steps < every)
        {
            throw new ArgumentException($"--every ({every}) must be at least 1 and at most --steps ({steps}).");
        }

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# rss_mb before the model (runtime + libtorch)={ResidentMemory.CurrentMb():F0}"));
        using IBenchmarkSubject subject = model switch
        {
            "vit" => new VitTrainSubject(options, batch, precision),
            "baseline" when precision == TorchSharp.torch.ScalarType.Float32 => new BaselineTrainSubject(options, batch),
            "baseline" => throw new ArgumentException("The hand-written baseline runs in float32 only; drop --precision."),
            _ => throw new ArgumentException($"--model must be vit or baseline; got '{model}'."),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# rss_mb with model, trainer and batch={ResidentMemory.CurrentMb():F0}"));
        double first = double.NaN, last = double.NaN;
        for (int step = 1; step <= steps; step++)
        {
            subject.Run();
            if (trimEvery > 0 && step % trimEvery == 0)
            {
                CpuMemory.ReleaseFreedMemory();
            }

            if (step % every == 0)
            {
                // The peak of this window of steps (VmHWM, reset after each print where Linux allows): the Trainer
                // returns free memory every few steps, so the resident size at one instant would understate it.
                last = ResidentMemory.PeakMb();
                ResidentMemory.ResetPeak();
                first = double.IsNaN(first) ? last : first;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"step={step} window_peak_rss_mb={last:F0} rss_mb={ResidentMemory.CurrentMb():F0} {Heap()} managed_mb={GC.GetTotalMemory(false) / 1048576.0:F1} tensors_alive={TorchSharp.torch.Tensor.TotalCount}"));
            }
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"rss_after_{every}_mb={first:F0} rss_after_{steps - (steps % every)}_mb={last:F0} growth_percent={100 * (last - first) / first:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }

    private static string Heap() => NativeHeap.Read() is { } heap
        ? string.Create(CultureInfo.InvariantCulture, $"heap_in_use_mb={heap.InUseMb:F0} heap_free_mb={heap.FreeMb:F0}")
        : "heap=unavailable";
}
