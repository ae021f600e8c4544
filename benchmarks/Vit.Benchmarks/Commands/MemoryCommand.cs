using System.Globalization;
using Vit.Benchmarks.Measurement;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>memory</c>: resident memory of a Vit training loop (Trainer.TrainStep) every <c>--every</c> steps, to show it
/// stays flat: the last line compares the resident set after <c>--every</c> steps with the one after all steps.
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
            "vit" => new VitTrainSubject(options, batch),
            "baseline" => new BaselineTrainSubject(options, batch),
            _ => throw new ArgumentException($"--model must be vit or baseline; got '{model}'."),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# rss_mb with model, trainer and batch={ResidentMemory.CurrentMb():F0}"));
        double first = double.NaN, last = double.NaN;
        for (int step = 1; step <= steps; step++)
        {
            subject.Run();
            if (step % every == 0)
            {
                last = ResidentMemory.CurrentMb();
                first = double.IsNaN(first) ? last : first;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"step={step} rss_mb={last:F0} peak_rss_mb={ResidentMemory.PeakMb():F0} {Heap()} managed_mb={GC.GetTotalMemory(false) / 1048576.0:F1} tensors_alive={TorchSharp.torch.Tensor.TotalCount}"));
            }
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"rss_after_{every}_mb={first:F0} rss_after_{steps - (steps % every)}_mb={last:F0} growth_percent={100 * (last - first) / first:F2} peak_rss_mb={ResidentMemory.PeakMb():F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }

    private static string Heap() => NativeHeap.Read() is { } heap
        ? string.Create(CultureInfo.InvariantCulture, $"heap_in_use_mb={heap.InUseMb:F0} heap_free_mb={heap.FreeMb:F0}")
        : "heap=unavailable";
}
