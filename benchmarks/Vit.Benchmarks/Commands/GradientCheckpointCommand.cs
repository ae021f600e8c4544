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
/// mode alone as a training loop does (no trimming between steps, and the trainer's own allocator setting, which
/// differs with checkpointing on), for step times and whole-process peaks compared in separate processes. <c>--breakdown</c> follows each step with the
/// same forward and backward spelled out and prints the wall, CPU (user + system) seconds and page faults of each part;
/// the update (gradient norm, AdamW, bookkeeping) is the step minus the two.
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
        bool breakdown = args.Flag("breakdown");
        bool returnLargeBlocks = args.Flag("return-large-blocks");
        int returnLargeBlocksMb = args.Int("return-blocks-from-mb", 1);
        bool retainFreedMemory = args.Flag("retain-freed-memory");
        // The sampler's mallinfo2 walks the heap under its lock every few ms and stalls the step's allocations (a quiet
        // ViT-B/16 checkpointed step took 1.48x the plain one with it at 10 ms, 1.22x without): off unless asked for.
        int sampleMs = args.Int("sample-ms", split || timeline.Length > 0 ? 10 : 0);
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
        // Alone, a mode is what a user's trainer does: with checkpointing on it returns large blocks, off it retains them.
        bool single = modes.Length == 1;
        using var trainer = new Trainer(model, new TrainerOptions { LearningRateDecay = LearningRateDecay.Constant, LearningRate = 1e-5, GradientCheckpointing = single && modes[0] });
        if (returnLargeBlocks)
        {
            // After the trainer, which turns retention on: every large block mapped alone and returned when freed.
            CpuMemory.ReturnLargeBlocks(returnLargeBlocksMb << 20);
        }
        else if (retainFreedMemory)
        {
            // After the trainer, which returns large blocks when it checkpoints: the heap keeps them for reuse.
            CpuMemory.RetainFreedMemory();
        }

        using var images = randn(batch, options.InChannels, options.ImageSize, options.ImageSize);
        using var labels = randint(0, options.NumClasses, [batch]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# rss_mb with model, trainer and batch={ResidentMemory.CurrentMb():F0} load_average_1m={MachineInfo.LoadAverage():F2}"));
        var seconds = modes.ToDictionary(m => m, _ => new List<double>());
        var parts = new Dictionary<(bool Checkpointing, string Part), List<ProcessTimes>>();
        var peaks = modes.ToDictionary(m => m, _ => new List<double>());
        using var sampler = sampleMs > 0 ? new MemorySampler(sampleMs) : null;
        for (int round = 0; round < warmup + rounds; round++)
        {
            // Alternate which mode goes first, so drift in the machine's speed falls on both alike.
            foreach (bool checkpointing in round % 2 == 0 ? modes : modes.Reverse())
            {
                model.SetGradCheckpointing(checkpointing);
                if (!single)
                {
                    // Alternating modes share one heap: start each step from a trimmed one, so its peak is its own.
                    CpuMemory.ReleaseFreedMemory();
                }

                ResidentMemory.ResetPeak();
                double before = ResidentMemory.CurrentMb();
                string name = $"{(checkpointing ? "on" : "off")}{round}";
                var clock = Stopwatch.StartNew();
                var start = ProcessTimes.Now();
                if (split)
                {
                    ForwardBackward(model, images, labels, sampler ?? throw new ArgumentException("--split needs --sample-ms above 0."), name);
                }
                else
                {
                    sampler?.Phase(name);
                    trainer.TrainStep(images, labels);
                }

                var step = ProcessTimes.Now().Since(start);
                sampler?.Phase("between");
                double elapsed = clock.Elapsed.TotalSeconds;
                double peak = ResidentMemory.PeakMb();
                bool measured = round >= warmup;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(measured ? "" : "# warmup ")}checkpointing={(checkpointing ? "on" : "off")} step_s={elapsed:F2} rss_before_mb={before:F0} step_peak_rss_mb={peak:F0} load_average_1m={MachineInfo.LoadAverage():F2}"));
                if (measured)
                {
                    seconds[checkpointing].Add(elapsed);
                    peaks[checkpointing].Add(peak);
                }

                if (breakdown && !split)
                {
                    var (forward, backward) = TimeForwardBackward(model, images, labels);
                    Report(checkpointing, "step", step, measured, parts);
                    Report(checkpointing, "forward", forward, measured, parts);
                    Report(checkpointing, "backward", backward, measured, parts);
                }
            }
        }

        if (sampler is not null)
        {
            Console.WriteLine($"# phase maxima (rss/in-use MB): {sampler.Describe()}");
            if (timeline.Length > 0)
            {
                sampler.WriteTimeline(timeline);
            }
        }

        foreach (bool m in modes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpointing={(m ? "on" : "off")} median_step_s={Median(seconds[m]):F2} median_peak_rss_mb={Median(peaks[m]):F0}"));
        }

        if (breakdown && !split)
        {
            PrintBreakdown(modes, parts);
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

    /// <summary>The forward (with the loss) and the backward of one step spelled out, each timed; gradients into the trainer's buffer.</summary>
    private static (ProcessTimes Forward, ProcessTimes Backward) TimeForwardBackward(VisionTransformer model, Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        model.train();
        var start = ProcessTimes.Now();
        var loss = nn.functional.cross_entropy(model.call(images), labels);
        var forwardEnd = ProcessTimes.Now();
        loss.backward();
        return (forwardEnd.Since(start), ProcessTimes.Now().Since(forwardEnd));
    }

    private static void Report(bool checkpointing, string part, ProcessTimes times, bool measured, Dictionary<(bool, string), List<ProcessTimes>> parts)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(measured ? "" : "# warmup ")}checkpointing={(checkpointing ? "on" : "off")} part={part} wall_s={times.Wall:F2} cpu_s={times.Cpu:F2} user_s={times.User:F2} sys_s={times.System:F2} minor_faults={times.MinorFaults}"));
        if (measured)
        {
            (parts.TryGetValue((checkpointing, part), out var list) ? list : parts[(checkpointing, part)] = []).Add(times);
        }
    }

    /// <summary>Medians of each part per mode, the update as the step minus forward and backward, and on/off ratios of wall and CPU seconds.</summary>
    private static void PrintBreakdown(bool[] modes, Dictionary<(bool, string), List<ProcessTimes>> parts)
    {
        if (parts.Count == 0)
        {
            return;
        }

        var medians = new Dictionary<(bool, string), (double Wall, double Cpu, double Faults)>();
        foreach (bool m in modes)
        {
            foreach (string part in new[] { "step", "forward", "backward" })
            {
                var list = parts[(m, part)];
                medians[(m, part)] = (Median([.. list.Select(t => t.Wall)]), Median([.. list.Select(t => t.Cpu)]), Median([.. list.Select(t => (double)t.MinorFaults)]));
            }

            var (sw, sc, _) = medians[(m, "step")];
            var (fw, fc, _) = medians[(m, "forward")];
            var (bw, bc, _) = medians[(m, "backward")];
            medians[(m, "update")] = (sw - fw - bw, sc - fc - bc, double.NaN);
        }

        Console.WriteLine("# breakdown, medians: part | wall s off / on / ratio | cpu s off / on / ratio | minor faults off / on");
        foreach (string part in new[] { "forward", "backward", "update", "step" })
        {
            string Cell(bool m, Func<(double Wall, double Cpu, double Faults), double> f) =>
                medians.TryGetValue((m, part), out var v) ? f(v).ToString("F2", CultureInfo.InvariantCulture) : "-";
            string Ratio(Func<(double Wall, double Cpu, double Faults), double> f) =>
                modes.Length == 2 ? (f(medians[(true, part)]) / f(medians[(false, part)])).ToString("F3", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine($"breakdown {part} | wall {Cell(false, v => v.Wall)} / {Cell(true, v => v.Wall)} / {Ratio(v => v.Wall)} | cpu {Cell(false, v => v.Cpu)} / {Cell(true, v => v.Cpu)} / {Ratio(v => v.Cpu)} | faults {Cell(false, v => v.Faults)} / {Cell(true, v => v.Faults)}");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
