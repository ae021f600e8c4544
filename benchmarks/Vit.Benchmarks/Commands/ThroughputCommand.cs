using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Baseline;
using Vit.Benchmarks.Measurement;
using Vit.Core;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>train-step</c> and <c>inference</c>: warm-up runs, then timed runs of one or more subjects in alternation
/// (ABBA order, so neither always runs first after the other), with a peak-FLOP sample after every round so the
/// ceiling is measured under the same conditions as the steps. Prints one result line per subject.
/// </summary>
internal static class ThroughputCommand
{
    public static int Run(Arguments args, bool training)
    {
        string modelDir = training ? string.Empty : args.String("model-dir", string.Empty);
        var options = modelDir.Length > 0 ? VisionTransformer.ReadPretrainedOptions(modelDir) : ModelArguments.Read(args);
        int batch = args.Int("batch", training ? 128 : 256);
        int steps = args.Int("steps", 10);
        int warmup = args.Int("warmup", 3);
        string model = args.String("model", "vit");
        bool compare = args.Flag("compare-baseline");
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();
        if (steps < 1 || batch < 1)
        {
            throw new ArgumentException("--steps and --batch must be at least 1.");
        }

        var subjects = new List<IBenchmarkSubject>();
        if (compare || model == "vit")
        {
            subjects.Add(training ? new VitTrainSubject(options, batch) : new InferenceSubject("vit", modelDir.Length > 0 ? VisionTransformer.FromPretrained(modelDir) : new VisionTransformer(options), RandomImages(options, batch)));
        }

        if (compare || model == "baseline")
        {
            subjects.Add(training
                ? new BaselineTrainSubject(options, batch)
                : new InferenceSubject("baseline", new PlainVit(options.ImageSize, options.PatchSize, options.InChannels, options.EmbedDim, options.Depth, options.NumHeads, options.MlpHiddenDim, options.NumClasses), RandomImages(options, batch)));
        }

        if (subjects.Count == 0)
        {
            throw new ArgumentException($"--model must be vit or baseline; got '{model}'.");
        }

        Console.WriteLine(MachineInfo.Describe());
        using var peak = new PeakFlops();
        var times = subjects.ToDictionary(s => s, _ => new List<double>());
        var faults = subjects.ToDictionary(s => s, _ => new List<double>());
        var peaks = subjects.ToDictionary(s => s, _ => 0.0);
        for (int i = 0; i < warmup; i++)
        {
            subjects.ForEach(s => s.Run());
        }

        for (int i = 0; i < steps; i++)
        {
            var order = i % 2 == 0 ? subjects : Enumerable.Reverse(subjects).ToList();
            foreach (var subject in order)
            {
                bool reset = subjects.Count > 1 && ResidentMemory.ResetPeak();
                long faultsBefore = PageFaults.Minor();
                var watch = Stopwatch.StartNew();
                subject.Run();
                watch.Stop();
                times[subject].Add(watch.Elapsed.TotalSeconds);
                faults[subject].Add(PageFaults.Minor() - faultsBefore);
                if (reset)
                {
                    peaks[subject] = Math.Max(peaks[subject], ResidentMemory.PeakMb());
                }
            }

            peak.Sample();
        }

        double flopPerImage = training ? ModelFlops.TrainingPerImage(options) : ModelFlops.ForwardPerImage(options);
        double peakGflops = Statistics.Median(peak.Samples);
        var results = new Dictionary<IBenchmarkSubject, double>();
        foreach (var subject in subjects)
        {
            double stepSeconds = Statistics.Median(times[subject]);
            double imagesPerSecond = batch / stepSeconds;
            double achieved = imagesPerSecond * flopPerImage / 1e9;
            double rss = subjects.Count > 1 && peaks[subject] > 0 ? peaks[subject] : ResidentMemory.PeakMb();
            results[subject] = imagesPerSecond;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"# {subject.Name}: step_ms min={times[subject].Min() * 1000:F1} max={times[subject].Max() * 1000:F1} page_faults_per_step={Statistics.Median(faults[subject]):F0} rss_mb={ResidentMemory.CurrentMb():F0}"));
            string prefix = subjects.Count > 1 ? $"[{subject.Name}] " : string.Empty;
            Console.WriteLine(prefix + string.Create(
                CultureInfo.InvariantCulture,
                $"images_per_second={imagesPerSecond:F2} step_ms={stepSeconds * 1000:F1} gflop_per_image={flopPerImage / 1e9:F4} " +
                $"achieved_gflops={achieved:F1} peak_gflops={peakGflops:F1} mfu={achieved / peakGflops:F3} peak_rss_mb={rss:F0}"));
        }

        if (subjects.Count > 1)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vit_over_baseline={results[subjects[0]] / results[subjects[1]]:F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        subjects.ForEach(s => s.Dispose());
        return 0;
    }

    private static TorchSharp.torch.Tensor RandomImages(VisionTransformerOptions options, int batch) =>
        TorchSharp.torch.randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
}
