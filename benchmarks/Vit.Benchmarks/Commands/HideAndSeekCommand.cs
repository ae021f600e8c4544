using System.Diagnostics;
using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Data;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary><c>hide-and-seek</c>: throughput of <see cref="HideAndSeek"/> (paper defaults) on float batches.</summary>
internal static class HideAndSeekCommand
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch", 128);
        int channels = args.Int("channels", 1);
        int image = args.Int("image", 28);
        int steps = args.Int("steps", 50);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        using var transform = new HideAndSeek(new HideAndSeekOptions { Seed = 0 });
        using var images = rand(batch, channels, image, image);
        using var generator = new Generator(0, CPU);
        var times = new List<double>();
        for (int i = -3; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            _ = transform.Apply(images, generator);
            watch.Stop();
            if (i >= 0)
            {
                times.Add(watch.Elapsed.TotalSeconds);
            }
        }

        double seconds = Statistics.Median(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images_per_second={batch / seconds:F0} batch_ms={seconds * 1000:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }
}
