using System.Diagnostics;
using System.Globalization;
using System.Text;
using TorchSharp;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using Vit.Data;
using Vit.Samples.FashionMnist;
using Vit.Training;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>soak</c>: many Trainer updates at the sample's default shape (fashion_small: patch 7, 6 blocks x 128, 4 heads,
/// MLP ratio 2, mean pooling; batches of 256 shipped Fashion-MNIST images with Hide-and-Seek, EMA 0.99) while
/// resident memory, open file descriptors and threads are sampled, to show none of them grows: prints the slope of
/// resident memory after the warm-up (least squares, MB per 100 updates) and writes the samples as CSV and a PNG.
/// </summary>
internal static class SoakCommand
{
    public static int Run(Arguments args)
    {
        int updates = args.Int("updates", 1000);
        int every = args.Int("every", 10);
        int warmup = args.Int("warmup", 200);
        string csvPath = args.String("csv", "soak.csv");
        string pngPath = args.String("png", "soak.png");
        string? directory = args.String("data", string.Empty) is { Length: > 0 } d ? d : null;
        string fromLog = args.String("from-log", string.Empty);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();
        if (fromLog.Length > 0)
        {
            // A soak's printed lines (e.g. of a run stopped early) summarised and drawn again.
            var logged = File.ReadLines(fromLog).Select(Parse).OfType<SoakSample>().ToList();
            Report(logged, warmup, csvPath, pngPath, logged[^1].Seconds);
            return 0;
        }

        if (every < 1 || warmup < 0 || updates < warmup + (2 * every))
        {
            throw new ArgumentException($"--updates ({updates}) must leave at least two samples (--every {every}) after --warmup ({warmup}).");
        }

        Console.WriteLine(MachineInfo.Describe());
        directory ??= ShippedFashionMnist.FindDirectory() ?? throw new ArgumentException(
            $"The shipped Fashion-MNIST split ({ShippedFashionMnist.RelativeDirectory}) was not found; pass --data DIR.");
        using var dataset = FashionMnist.LoadTest(directory);
        var transforms = new List<torchvision.ITransform>
        {
            new Normalize([0.2860f], [0.3530f]),
            new HideAndSeek(new HideAndSeekOptions { HideProbability = 0.15, Seed = 0 }),
        };
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 256, Shuffle = true, DropLast = true, Seed = 0 }, transforms);
        torch.manual_seed(0);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 128, Depth = 6, NumHeads = 4, MlpRatio = 2, Pooling = Pooling.Mean,
        });
        using var trainer = new Trainer(model, new TrainerOptions
        {
            LearningRate = 3e-3, WeightDecay = 0.05, WarmupSteps = loader.BatchesPerEpoch, TotalSteps = updates, MinLearningRate = 3e-5,
            LabelSmoothing = 0.1, GradientClipNorm = 1.0, EmaDecay = 0.99, Seed = 0,
        });

        var samples = new List<SoakSample>();
        var clock = Stopwatch.StartNew();
        int done = 0;
        for (int epoch = 0; done < updates; epoch++)
        {
            foreach (var batch in loader.Epoch(epoch))
            {
                using (batch)
                {
                    trainer.TrainStep(batch.Images, batch.Targets);
                }

                if (++done % every == 0 || done == 1)
                {
                    var sample = new SoakSample(done, ResidentMemory.CurrentMb(), ProcessResources.OpenFileDescriptors(), ProcessResources.Threads(),
                        GC.GetTotalMemory(false) / 1048576.0, torch.Tensor.TotalCount, clock.Elapsed.TotalSeconds);
                    samples.Add(sample);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"update={sample.Update} rss_mb={sample.RssMb:F1} fds={sample.FileDescriptors} threads={sample.Threads} managed_mb={sample.ManagedMb:F1} tensors_alive={sample.Tensors} elapsed_s={sample.Seconds:F0}"));
                }

                if (done == updates)
                {
                    break;
                }
            }
        }

        Report(samples, warmup, csvPath, pngPath, clock.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>Prints the summary line (slope after the warm-up, handles, threads) and writes the CSV and the PNG.</summary>
    private static void Report(IReadOnlyList<SoakSample> samples, int warmup, string csvPath, string pngPath, double seconds)
    {
        int updates = samples[^1].Update;
        var after = samples.Where(s => s.Update >= warmup).ToList();
        double slope = 100 * Slope(after.Select(s => ((double)s.Update, s.RssMb)).ToList());
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"updates={updates} rss_after_warmup_mb={after[0].RssMb:F1} rss_end_mb={after[^1].RssMb:F1} rss_max_after_warmup_mb={after.Max(s => s.RssMb):F1} slope_mb_per_100_updates={slope:F3} fds_after_warmup={after[0].FileDescriptors} fds_end={after[^1].FileDescriptors} fds_max={after.Max(s => s.FileDescriptors)} threads_after_warmup={after[0].Threads} threads_end={after[^1].Threads} threads_max={after.Max(s => s.Threads)} tensors_alive_end={after[^1].Tensors} elapsed_s={seconds:F0}");
        Console.WriteLine(summary);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        WriteCsv(csvPath, samples);
        SoakChart.Write(pngPath, samples, warmup, slope);
    }

    /// <summary>A sample from one printed line (<c>update=.. rss_mb=.. fds=.. threads=.. managed_mb=.. tensors_alive=.. elapsed_s=..</c>), or null.</summary>
    private static SoakSample? Parse(string line)
    {
        if (!line.StartsWith("update=", StringComparison.Ordinal))
        {
            return null;
        }

        var fields = line.Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
        double Number(string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);
        return new SoakSample((int)Number("update"), Number("rss_mb"), (int)Number("fds"), (int)Number("threads"), Number("managed_mb"), (long)Number("tensors_alive"), Number("elapsed_s"));
    }

    /// <summary>The least-squares slope of y over x.</summary>
    private static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        double meanX = points.Average(p => p.X), meanY = points.Average(p => p.Y);
        double covariance = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        double variance = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return covariance / variance;
    }

    private static void WriteCsv(string path, IReadOnlyList<SoakSample> samples)
    {
        var text = new StringBuilder("update,rss_mb,fds,threads,managed_mb,tensors_alive,elapsed_s\n");
        foreach (var s in samples)
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Update},{s.RssMb:F1},{s.FileDescriptors},{s.Threads},{s.ManagedMb:F2},{s.Tensors},{s.Seconds:F1}\n");
        }

        AtomicFile.WriteAllText(path, text.ToString());
    }
}
