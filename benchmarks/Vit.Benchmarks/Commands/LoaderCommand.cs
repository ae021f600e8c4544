using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Vit.Benchmarks.Measurement;
using Vit.Data;
using Vit.Samples.FashionMnist;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>loader</c>: the data path on real files. Reads the shipped Fashion-MNIST test split (gzip IDX files) and
/// enumerates shuffled <see cref="DataLoader"/> batches (uint8 → float32, normalisation, optionally Hide-and-Seek),
/// with nothing consuming them, so the figure is the most the data path can feed a model.
/// </summary>
internal static class LoaderCommand
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch", 128);
        int workers = args.Int("workers", 2);
        int prefetch = args.Int("prefetch", 2);
        int batches = args.Int("batches", 200);
        bool hideAndSeek = args.Flag("hide-and-seek");
        string? directory = args.String("data", string.Empty) is { Length: > 0 } d ? d : null;
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        var read = Stopwatch.StartNew();
        directory ??= ShippedFashionMnist.FindDirectory() ?? throw new ArgumentException(
            $"The shipped Fashion-MNIST split ({ShippedFashionMnist.RelativeDirectory}) was not found; pass --data DIR.");
        using var dataset = FashionMnist.LoadTest(directory);
        read.Stop();

        var transforms = new List<torchvision.ITransform> { new Normalize([0.2860f], [0.3530f]) };
        if (hideAndSeek)
        {
            transforms.Add(new HideAndSeek(new HideAndSeekOptions { Seed = 1 }));
        }

        using var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = batch, WorkerCount = workers, PrefetchCount = prefetch, Seed = 0, DropLast = true }, transforms);
        int images = 0, taken = 0;
        var watch = Stopwatch.StartNew();
        for (int epoch = 0; taken < batches; epoch++)
        {
            foreach (var b in loader.Epoch(epoch))
            {
                images += b.Count;
                if (++taken == batches)
                {
                    break;
                }
            }
        }

        watch.Stop();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"images_per_second={images / watch.Elapsed.TotalSeconds:F0} batches={taken} batch={batch} workers={workers} read_files_ms={read.Elapsed.TotalMilliseconds:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# load_average_1m_end={MachineInfo.LoadAverage():F2}"));
        return 0;
    }
}
