using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Vit.Benchmarks.Baseline;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>train-step</c>, <c>hand-step</c> and <c>inference</c>: warm-up runs, then timed runs of one or more subjects in
/// alternation (ABBA order, so neither always runs first after the other), with a peak-FLOP sample after every round
/// so the ceiling is measured under the same conditions as the steps. Prints one result line per subject, and the
/// ratio of each subject's images/s to the first one's.
/// </summary>
internal static class ThroughputCommand
{
    public enum Kind
    {
        /// <summary>The Trainer's TrainStep (Vit) or the hand-written baseline loop.</summary>
        TrainStep,

        /// <summary>A hand-written Vit step (forward, loss, backward under Autocast; AdamW), fp32 and <c>--precision</c> alternating.</summary>
        HandStep,

        /// <summary>Forward passes in eval mode without autograd.</summary>
        Inference,
    }

    public static int Run(Arguments args, Kind kind)
    {
        bool training = kind != Kind.Inference;
        string modelDir = training ? string.Empty : args.String("model-dir", string.Empty);
        var options = modelDir.Length > 0 ? VisionTransformer.ReadPretrainedOptions(modelDir) : ModelArguments.Read(args);
        int batch = args.Int("batch", training ? 128 : 256);
        int steps = args.Int("steps", 10);
        int warmup = args.Int("warmup", 3);
        var create = kind == Kind.TrainStep ? TrainStepSubjects(args, options, batch) : PrecisionSubjects(args, kind, options, batch, modelDir);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();
        if (steps < 1 || batch < 1)
        {
            throw new ArgumentException("--steps and --batch must be at least 1.");
        }

        var subjects = create();

        Console.WriteLine(MachineInfo.Describe());
        // One ceiling per dtype the subjects compute in, sampled after every round like the steps.
        var ceilings = subjects.Select(s => s.Precision).Distinct().Prepend(ScalarType.Float32).Distinct().ToDictionary(t => t, t => new PeakFlops(dtype: t));
        var times = subjects.ToDictionary(s => s, _ => new List<double>());
        var faults = subjects.ToDictionary(s => s, _ => new List<double>());
        var peaks = subjects.ToDictionary(s => s, _ => 0.0);
        for (int i = 0; i < warmup; i++)
        {
            subjects.ForEach(s => s.Run());
        }

        subjects.ForEach(s => s.BeginTiming());
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

            foreach (var ceiling in ceilings.Values)
            {
                ceiling.Sample();
            }
        }

        double flopPerImage = training ? ModelFlops.TrainingPerImage(options) : ModelFlops.ForwardPerImage(options);
        var peakGflops = ceilings.ToDictionary(kv => kv.Key, kv => Statistics.Median(kv.Value.Samples));
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
            if (subject.Details is string details)
            {
                Console.WriteLine($"# {subject.Name}: {details}");
            }

            string prefix = subjects.Count > 1 ? $"[{subject.Name}] " : string.Empty;
            Console.WriteLine(prefix + string.Create(
                CultureInfo.InvariantCulture,
                $"images_per_second={imagesPerSecond:F2} step_ms={stepSeconds * 1000:F1} gflop_per_image={flopPerImage / 1e9:F4} " +
                $"achieved_gflops={achieved:F1} peak_gflops={peakGflops[subject.Precision]:F1} mfu={achieved / peakGflops[subject.Precision]:F3} peak_rss_mb={rss:F0}"));
        }

        if (subjects.Count > 1)
        {
            Console.WriteLine("# peak_rss_mb of subjects sharing a process is each one's peak above what the process already held; compare runs with one subject for memory.");
        }

        // vit_over_baseline (Vit's speed-up over the hand-written model), or each precision over the fp32 peer.
        var reference = subjects.Find(s => s.Name == "baseline") ?? subjects[0];
        foreach (var subject in subjects.Where(s => s != reference))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{subject.Name}_over_{reference.Name}={results[subject] / results[reference]:F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        foreach (var (dtype, gflops) in peakGflops.Where(kv => kv.Key != ScalarType.Float32))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# peak_gflops is the {PrecisionArgument.Name(dtype)} matmul's ({gflops:F1}) for the {PrecisionArgument.Name(dtype)} subjects, fp32's ({peakGflops[ScalarType.Float32]:F1}) for the others"));
        }

        subjects.ForEach(s => s.Dispose());
        foreach (var ceiling in ceilings.Values)
        {
            ceiling.Dispose();
        }

        return 0;
    }

    private static Func<List<IBenchmarkSubject>> TrainStepSubjects(Arguments args, VisionTransformerOptions options, int batch)
    {
        string model = args.String("model", "vit");
        bool compare = args.Flag("compare-baseline");
        var precision = PrecisionArgument.Read(args);
        bool peer = !args.Flag("no-peer");
        if (!compare && model is not ("vit" or "baseline"))
        {
            throw new ArgumentException($"--model must be vit or baseline; got '{model}'.");
        }

        if (precision != ScalarType.Float32)
        {
            if (compare || model == "baseline")
            {
                throw new ArgumentException("The hand-written baseline runs in float32 only; drop --precision or --model baseline / --compare-baseline.");
            }

            // The Trainer in fp32 and in --precision, alternating in one process (--no-peer: the precision alone, for its own peak memory).
            return () =>
            {
                var subjects = new List<IBenchmarkSubject>();
                if (peer)
                {
                    subjects.Add(new VitTrainSubject(options, batch, ScalarType.Float32, "float32"));
                }

                subjects.Add(new VitTrainSubject(options, batch, precision, PrecisionArgument.Name(precision)));
                return subjects;
            };
        }

        return () =>
        {
            var subjects = new List<IBenchmarkSubject>();
            if (compare || model == "vit")
            {
                subjects.Add(new VitTrainSubject(options, batch));
            }

            if (compare || model == "baseline")
            {
                subjects.Add(new BaselineTrainSubject(options, batch));
            }

            return subjects;
        };
    }

    /// <summary>
    /// <c>hand-step</c> and <c>inference</c>: the fp32 peer first (unless <c>--no-peer</c>), then <c>--precision</c>'s
    /// subjects: for inference both ways to run in it (fp32 weights under Autocast, and the model converted to it).
    /// <c>inference --compare-baseline</c> keeps its fp32 comparison with the hand-written model.
    /// </summary>
    private static Func<List<IBenchmarkSubject>> PrecisionSubjects(Arguments args, Kind kind, VisionTransformerOptions options, int batch, string modelDir)
    {
        var precision = PrecisionArgument.Read(args);
        bool peer = !args.Flag("no-peer");
        bool compareAttention = kind == Kind.HandStep && args.Flag("compare-attention");
        bool baseline = kind == Kind.Inference && args.Flag("compare-baseline");
        string model = kind == Kind.Inference ? args.String("model", "vit") : "vit";
        if (model is not ("vit" or "baseline"))
        {
            throw new ArgumentException($"--model must be vit or baseline; got '{model}'.");
        }

        if ((model == "baseline" || baseline) && precision != ScalarType.Float32)
        {
            throw new ArgumentException("The hand-written baseline runs in float32 only; drop --precision or --model baseline / --compare-baseline.");
        }

        if (compareAttention && precision == ScalarType.Float32)
        {
            throw new ArgumentException("--compare-attention compares lower-precision attention with fp32 attention: give --precision bfloat16 or float16.");
        }

        return () => CreatePrecisionSubjects(kind, options, batch, precision, peer, model == "baseline" || baseline, baseline, compareAttention, modelDir);
    }

    private static List<IBenchmarkSubject> CreatePrecisionSubjects(Kind kind, VisionTransformerOptions options, int batch, ScalarType precision, bool peer, bool withBaseline, bool withVit, bool compareAttention, string modelDir)
    {
        var subjects = new List<IBenchmarkSubject>();
        if (kind == Kind.HandStep)
        {
            if (peer && precision != ScalarType.Float32)
            {
                subjects.Add(new HandTrainSubject(options, batch, ScalarType.Float32));
            }

            subjects.Add(new HandTrainSubject(options, batch, precision));
            if (compareAttention)
            {
                subjects.Add(new HandTrainSubject(options, batch, precision, attentionInFloat32: true));
            }

            return subjects;
        }

        if (withBaseline)
        {
            if (withVit)
            {
                subjects.Add(VitInference("vit", options, batch, ScalarType.Float32, convert: false, modelDir));
            }

            subjects.Add(new InferenceSubject("baseline", new PlainVit(options.ImageSize, options.PatchSize, options.InChannels, options.EmbedDim, options.Depth, options.NumHeads, options.MlpHiddenDim, options.NumClasses), RandomImages(options, batch, ScalarType.Float32)));
            return subjects;
        }

        if (precision == ScalarType.Float32 || peer)
        {
            subjects.Add(VitInference("float32", options, batch, ScalarType.Float32, convert: false, modelDir));
        }

        if (precision != ScalarType.Float32)
        {
            string name = PrecisionArgument.Name(precision);
            subjects.Add(VitInference($"{name}_autocast", options, batch, precision, convert: false, modelDir));
            subjects.Add(VitInference($"{name}_weights", options, batch, precision, convert: true, modelDir));
        }

        return subjects;
    }

    /// <summary>A Vit inference subject: the model of <paramref name="modelDir"/> (from export-onnx) or a seeded new one.</summary>
    private static InferenceSubject VitInference(string name, VisionTransformerOptions options, int batch, ScalarType precision, bool convert, string modelDir)
    {
        manual_seed(0);
        var model = modelDir.Length > 0 ? VisionTransformer.FromPretrained(modelDir) : new VisionTransformer(options);
        if (convert)
        {
            model.to(precision);
            return new InferenceSubject(name, model, RandomImages(options, batch, precision));
        }

        return new InferenceSubject(name, model, RandomImages(options, batch, ScalarType.Float32), precision);
    }

    private static Tensor RandomImages(VisionTransformerOptions options, int batch, ScalarType dtype) =>
        randn(batch, options.InChannels, options.ImageSize, options.ImageSize, dtype);
}
