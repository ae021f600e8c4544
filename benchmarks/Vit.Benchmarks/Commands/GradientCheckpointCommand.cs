using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using Vit.Training;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>grad-checkpoint</c>: Trainer.TrainStep with and without gradient checkpointing, alternating in one process on one
/// model and trainer (<see cref="VisionTransformer.SetGradCheckpointing"/> flips between steps). Before each step the
/// freed heap is returned and the peak resident set reset, so each step's peak is its own; <c>--mode on|off</c> runs one
/// mode alone (for whole-process peaks compared by <c>farm-bench --vs</c>).
/// </summary>
internal static class GradientCheckpointCommand
{
    public static int Run(Arguments args)
    {
        var options = ModelArguments.Read(args);
        int batch = args.Int("batch", 32);
        int rounds = args.Int("rounds", 2);
        int warmup = args.Int("warmup", 1);
        string mode = args.String("mode", "alternate");
        string timeline = args.String("timeline", string.Empty);
        bool split = args.Flag("split");
        bool returnLargeBlocks = args.Flag("return-large-blocks");
        int sampleMs = args.Int("sample-ms", 10);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();
        bool[] modes = mode switch
        {
            "alternate" => [false, true],
            "on" => [true],
            "off" => [false],
            _ => throw new ArgumentException($"--mode must be alternate, on or off; got '{mode}'."),
        };

        Console.WriteLine(MachineInfo.Describe());
        manual_seed(0);
        using var model = new VisionTransformer(options);
        using var trainer = new Trainer(model, new TrainerOptions { LearningRateDecay = LearningRateDecay.Constant, LearningRate = 1e-5 });
        if (returnLargeBlocks)
        {
            // After the trainer, which turns retention on: every large block mapped alone and returned when freed.
            CpuMemory.ReturnLargeBlocks();
        }

        using var images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        using var labels = randint(0, options.NumClasses, [batch]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# rss_mb with model, trainer and batch={ResidentMemory.CurrentMb():F0} load_average_1m={MachineInfo.LoadAverage():F2}"));
        var seconds = modes.ToDictionary(m => m, _ => new List<double>());
        var peaks = modes.ToDictionary(m => m, _ => new List<double>());
        using var sampler = new MemorySampler(sampleMs);
        for (int round = 0; round < warmup + rounds; round++)
        {
            // Alternate which mode goes first, so drift in the machine's speed falls on both alike.
            foreach (bool checkpointing in round % 2 == 0 ? modes : modes.Reverse())
            {
                model.SetGradCheckpointing(checkpointing);
                CpuMemory.ReleaseFreedMemory();
                ResidentMemory.ResetPeak();
                double before = ResidentMemory.CurrentMb();
                string name = $"{(checkpointing ? "on" : "off")}{round}";
                var clock = Stopwatch.StartNew();
                if (split)
                {
                    ForwardBackward(model, images, labels, sampler, name);
                }
                else
                {
                    sampler.Phase(name);
                    trainer.TrainStep(images, labels);
                }

                sampler.Phase("between");
                double elapsed = clock.Elapsed.TotalSeconds;
                double peak = ResidentMemory.PeakMb();
                bool measured = round >= warmup;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(measured ? "" : "# warmup ")}checkpointing={(checkpointing ? "on" : "off")} step_s={elapsed:F2} rss_before_mb={before:F0} step_peak_rss_mb={peak:F0} load_average_1m={MachineInfo.LoadAverage():F2}"));
                if (measured)
                {
                    seconds[checkpointing].Add(elapsed);
                    peaks[checkpointing].Add(peak);
                }
            }
        }

        Console.WriteLine($"# phase maxima (rss/in-use MB): {sampler.Describe()}");
        if (timeline.Length > 0)
        {
            sampler.WriteTimeline(timeline);
        }

        foreach (bool m in modes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpointing={(m ? "on" : "off")} median_step_s={Median(seconds[m]):F2} median_peak_rss_mb={Median(peaks[m]):F0}"));
        }

        if (modes.Length == 2)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio on/off: step_s={Median(seconds[true]) / Median(seconds[false]):F3} peak_rss={Median(peaks[true]) / Median(peaks[false]):F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }

    /// <summary>The step's forward and backward alone (no optimizer), each its own sampler phase, gradients into the trainer's buffer.</summary>
    private static void ForwardBackward(VisionTransformer model, Tensor images, Tensor labels, MemorySampler sampler, string name)
    {
        using var scope = NewDisposeScope();
        model.train();
        sampler.Phase(name + "-forward");
        var loss = nn.functional.cross_entropy(model.call(images), labels);
        sampler.Phase(name + "-backward");
        loss.backward();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
