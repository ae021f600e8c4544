using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Inference;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>inference --engine onnx</c>: times <see cref="ImageClassifier.Logits"/> (one ONNX Runtime session, as an app
/// with only Vit.Inference runs it) on a random prepared batch. Never touches TorchSharp, so libtorch is not loaded
/// in this process (its spinning OpenMP threads would slow ONNX Runtime's); the result line says whether it was.
/// </summary>
internal static class OnnxInferenceCommand
{
    public static int Run(Arguments args)
    {
        string folder = args.String("model-dir", string.Empty);
        string file = args.String("onnx-file", ImageClassifier.ModelFileName);
        int batch = args.Int("batch", 256);
        int steps = args.Int("steps", 10);
        int warmup = args.Int("warmup", 3);
        int threads = args.Int("threads", Environment.ProcessorCount);
        args.ThrowIfUnused();
        if (folder.Length == 0 || steps < 1 || batch < 1)
        {
            throw new ArgumentException("inference --engine onnx needs --model-dir DIR (from export-onnx), --steps >= 1 and --batch >= 1.");
        }

        using var classifier = ImageClassifier.Load(folder, new ImageClassifierOptions { ModelFileName = file, IntraOpNumThreads = threads });
        var random = new Random(0);
        var images = new float[batch * classifier.Channels * classifier.ImageSize * classifier.ImageSize];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# cpu=\"{Cpu()}\" logical_cpus={Environment.ProcessorCount} ort_threads={threads} provider={classifier.ExecutionProvider} file={file} load_average_1m={MachineInfo.LoadAverage():F2}"));
        for (int i = 0; i < warmup; i++)
        {
            _ = classifier.Logits(images, batch);
        }

        var times = new List<double>(steps);
        for (int i = 0; i < steps; i++)
        {
            var watch = Stopwatch.StartNew();
            _ = classifier.Logits(images, batch);
            times.Add(watch.Elapsed.TotalSeconds);
        }

        double step = Statistics.Median(times);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"images_per_second={batch / step:F2} step_ms={step * 1000:F3} min_ms={times.Min() * 1000:F3} libtorch_loaded={LibTorchLoaded().ToString().ToLowerInvariant()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }

    /// <summary>Whether any libtorch library is mapped into this process (Linux; false elsewhere).</summary>
    public static bool LibTorchLoaded() =>
        File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtorch", StringComparison.Ordinal));

    /// <summary>The CPU's model name from <c>/proc/cpuinfo</c> (without touching TorchSharp).</summary>
    public static string Cpu() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown cpu"
            : "unknown cpu";
}
