using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Vit.Benchmarks.Measurement;
using Vit.Data;
using Vit.Samples.FashionMnist;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>loader</c>: the data path on real files. Reads the shipped Fashion-MNIST test split (gzip IDX files) and
/// enumerates shuffled <see cref="BatchLoader"/> batches (uint8 → float32, optionally a padded random crop and a
/// mirror, RandAugment (timm config string), normalisation, optionally Hide-and-Seek, RandomErasing and Mixup/CutMix),
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
        int crop = args.Int("crop", 0);
        bool flip = args.Flag("flip");
        string randAugment = args.String("randaug", string.Empty);
        double erase = args.Double("erase", 0);
        bool mixup = args.Flag("mixup");
        string? directory = args.String("data", string.Empty) is { Length: > 0 } d ? d : null;
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        var read = Stopwatch.StartNew();
        directory ??= ShippedFashionMnist.FindDirectory() ?? throw new ArgumentException(
            $"The shipped Fashion-MNIST split ({ShippedFashionMnist.RelativeDirectory}) was not found; pass --data DIR.");
        using var dataset = FashionMnist.LoadTest(directory);
        read.Stop();

        var transforms = new List<torchvision.ITransform>();
        if (crop > 0)
        {
            transforms.Add(new RandomCrop(28, 28, padding: crop, seed: 1));
        }

        if (flip)
        {
            transforms.Add(new RandomHorizontalFlip(seed: 1));
        }

        if (randAugment.Length > 0)
        {
            var options = RandAugmentOptions.Parse(randAugment);
            options.FillValue = [0f];
            transforms.Add(new RandAugment(options));
        }

        transforms.Add(new Normalize([0.2860f], [0.3530f]));
        if (hideAndSeek)
        {
            transforms.Add(new HideAndSeek(new HideAndSeekOptions { Seed = 1 }));
        }

        if (erase > 0)
        {
            transforms.Add(new RandomErasing(new RandomErasingOptions { Probability = erase, Mode = RandomErasingMode.Pixel }));
        }

        // DeiT's Mixup 0.8 / CutMix 1.0, switching half the time, one λ per batch.
        var mixing = mixup ? new Mixup(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1.0, NumClasses = dataset.ClassNames.Count }) : null;
        using var loader = new BatchLoader(
            dataset, new BatchLoaderOptions { BatchSize = batch, WorkerCount = workers, PrefetchCount = prefetch, Seed = 0, DropLast = true }, transforms, mixing);
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
