using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>augment</c>: images per second of each random transform on one float batch (median of <c>--steps</c> calls
/// with per-sample streams, as the loader calls them): Hide-and-Seek, RandAugment as a whole and each of its
/// operations alone, RandomErasing and Mixup/CutMix.
/// </summary>
internal static class AugmentCommand
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch", 128);
        int channels = args.Int("channels", 1);
        int image = args.Int("image", 28);
        int steps = args.Int("steps", 30);
        string config = args.String("randaug", "rand-m9-n2-mstd0.5");
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"# batch {batch}x{channels}x{image}x{image} float32, median of {steps} calls after 3 warm-up calls");
        using var images = rand(batch, channels, image, image);
        using var labels = randint(0, 10, [batch], ScalarType.Int64);
        var streams = SampleStreams.ForSamples(0, 0, 0, [.. Enumerable.Range(0, batch)]);

        using var hideAndSeek = new HideAndSeek();
        Report("hide-and-seek", batch, steps, () => hideAndSeek.Apply(images, streams));
        using var randAugment = new RandAugment(RandAugmentOptions.Parse(config));
        Report(config, batch, steps, () => randAugment.Apply(images, streams));
        foreach (var op in RandAugment.DefaultOps(channels))
        {
            using var single = new RandAugment(new RandAugmentOptions { Ops = [op], NumLayers = 1, Probability = 1, Magnitude = 9 });
            Report($"randaug-op {op}", batch, steps, () => single.Apply(images, streams));
        }

        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 0.25, Mode = RandomErasingMode.Pixel });
        Report("random-erasing p=0.25 pixel", batch, steps, () => erasing.Apply(images, streams));
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1.0, NumClasses = 10, Mode = MixupMode.Element });
        Report("mixup/cutmix element", batch, steps, () => mixup.Apply(images, labels, streams).Images);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }

    private static void Report(string name, int batch, int steps, Func<Tensor> run)
    {
        var times = new List<double>();
        for (int i = -3; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            _ = run();
            watch.Stop();
            if (i >= 0)
            {
                times.Add(watch.Elapsed.TotalSeconds);
            }
        }

        double seconds = Statistics.Median(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"transform={name.Replace(' ', '_')} images_per_second={batch / seconds:F0} batch_ms={seconds * 1000:F3}"));
    }
}
