using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Inference;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>onnx-interleaved</c>: several ONNX graphs of one model folder in one process (no libtorch), timed in short
/// blocks that take turns in a rotating order, so a busy machine's slow phases hit every graph alike; each round's
/// ratio to the first graph is taken within the round. <c>--cpu-time</c> (with <c>--threads 1</c>) times the CPU the
/// process used instead of the wall clock, which time stolen by other processes does not inflate.
/// </summary>
internal static class OnnxInterleavedCommand
{
    public static int Run(Arguments args)
    {
        string folder = args.String("model-dir", string.Empty);
        string[] files = args.String("files", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int batch = args.Int("batch", 1);
        int block = args.Int("block", batch == 1 ? 200 : 2);
        int rounds = args.Int("rounds", 10);
        int warmup = args.Int("warmup", batch == 1 ? 50 : 2);
        int threads = args.Int("threads", 2);
        bool cpuTime = args.Flag("cpu-time");
        args.ThrowIfUnused();
        if (folder.Length == 0 || files.Length < 2 || batch < 1 || block < 1 || rounds < 1)
        {
            throw new ArgumentException("onnx-interleaved needs --model-dir DIR --files A.onnx,B.onnx[,...] (the first is the reference), --batch/--block/--rounds >= 1.");
        }

        if (cpuTime && threads != 1)
        {
            throw new ArgumentException("--cpu-time measures the process's CPU time, which only equals one run's work with --threads 1.");
        }

        var classifiers = files.Select(f => ImageClassifier.Load(folder, new ImageClassifierOptions { ModelFileName = f, IntraOpNumThreads = threads })).ToArray();
        try
        {
            var first = classifiers[0];
            var random = new Random(0);
            var images = new float[batch * first.Channels * first.ImageSize * first.ImageSize];
            for (int i = 0; i < images.Length; i++)
            {
                images[i] = (float)((random.NextDouble() * 2) - 1);
            }

            foreach (var classifier in classifiers)
            {
                for (int i = 0; i < warmup; i++)
                {
                    _ = classifier.Logits(images, batch);
                }
            }

            double loadStart = MachineInfo.LoadAverage();
            using var process = Process.GetCurrentProcess();
            var blockMedians = new double[rounds, files.Length];
            var all = files.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < rounds; r++)
            {
                for (int k = 0; k < files.Length; k++)
                {
                    int m = (k + r) % files.Length;
                    var times = new List<double>(block);
                    for (int i = 0; i < block; i++)
                    {
                        times.Add(cpuTime ? CpuSeconds(process, () => classifiers[m].Logits(images, batch)) : WallSeconds(() => classifiers[m].Logits(images, batch)));
                    }

                    blockMedians[r, m] = Statistics.Median(times);
                    all[m].AddRange(times);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# cpu=\"{OnnxInferenceCommand.Cpu()}\" logical_cpus={Environment.ProcessorCount} ort_threads={threads} batch={batch} block={block} rounds={rounds} clock={(cpuTime ? "process-cpu" : "wall")} load_average_1m={loadStart:F2}..{MachineInfo.LoadAverage():F2} libtorch_loaded={OnnxInferenceCommand.LibTorchLoaded().ToString().ToLowerInvariant()}"));
            for (int m = 0; m < files.Length; m++)
            {
                var ratios = Enumerable.Range(0, rounds).Select(r => blockMedians[r, 0] / blockMedians[r, m]).ToArray();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"file={files[m]} images_per_second={batch / Statistics.Median(all[m]):F1} speed_over_{files[0]}={Statistics.Median(ratios):F3} min={ratios.Min():F3} max={ratios.Max():F3} rounds={rounds}"));
            }

            return 0;
        }
        finally
        {
            foreach (var classifier in classifiers)
            {
                classifier.Dispose();
            }
        }
    }

    private static double WallSeconds(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double CpuSeconds(Process process, Action run)
    {
        process.Refresh();
        var start = process.TotalProcessorTime;
        run();
        process.Refresh();
        return (process.TotalProcessorTime - start).TotalSeconds;
    }
}
