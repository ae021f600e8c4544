using System.Diagnostics;
using System.Globalization;
using SkiaSharp;
using Vit.Benchmarks.Measurement;
using Vit.Data;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>decode</c>: JPEG decode throughput of <see cref="StreamingImageFolder"/> (read, SkiaSharp decode, Pillow-exact
/// resize of the shorter side and centre crop, as <see cref="EvalTransform"/>) per decode thread. Uses --data DIR
/// (class sub-folders) or generates --files photo-like JPEGs of --source WxH into a temporary folder first. Besides
/// wall-clock images/s it reports images per CPU-second of the process, the per-core figure a busy machine distorts least.
/// </summary>
internal static class DecodeCommand
{
    public static int Run(Arguments args)
    {
        string directory = args.String("data", string.Empty);
        int files = args.Int("files", 256);
        string source = args.String("source", "500x375");
        int image = args.Int("image", 224);
        int batch = args.Int("batch", 32);
        int rounds = args.Int("rounds", 3);
        string threadList = args.String("threads", "1,2");
        string interpolation = args.String("interpolation", "bicubic");
        args.ThrowIfUnused();

        Console.WriteLine(MachineInfo.Describe());
        string? generated = null;
        if (directory.Length == 0)
        {
            string[] size = source.Split('x');
            generated = directory = Path.Combine(Path.GetTempPath(), $"vit-decode-{Environment.ProcessId}");
            Generate(directory, files, int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture));
            Console.WriteLine($"# generated {files} JPEGs of {source} (quality 90) in {directory}");
        }

        try
        {
            var transform = new EvalTransform(new EvalTransformOptions
            {
                ImageSize = image,
                CropPct = 0.875,
                Interpolation = Enum.Parse<Vit.Core.ResizeInterpolation>(interpolation, ignoreCase: true),
            });
            foreach (int threads in threadList.Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)))
            {
                using var dataset = StreamingImageFolder.Open(directory, transform, new StreamingImageFolderOptions { DecodeThreads = threads, MaxDecodedInFlight = threads });
                var perRound = new List<double>();
                var perCpuSecond = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    double load = MachineInfo.LoadAverage();
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    for (int start = 0; start < dataset.Count; start += batch)
                    {
                        int[] indices = [.. Enumerable.Range(start, Math.Min(batch, dataset.Count - start))];
                        var (images, labels) = dataset.GetBatch(indices);
                        images.Dispose();
                        labels.Dispose();
                    }

                    double rate = dataset.Count / clock.Elapsed.TotalSeconds;
                    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                    perRound.Add(rate);
                    perCpuSecond.Add(dataset.Count / cpuSeconds);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# threads {threads} round {r}: {rate:F1} img/s wall, {dataset.Count / cpuSeconds:F1} img per CPU-second (load average at start {load:F2})"));
                }

                double median = Statistics.Median(perRound);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"decode threads={threads} image={image} {interpolation} files={dataset.Count}: {median:F1} img/s wall, {median / threads:F1} img/s per thread, {Statistics.Median(perCpuSecond):F1} img per CPU-second (medians of {rounds}), RSS {ResidentMemory.CurrentMb():F0} MB, load {MachineInfo.LoadAverage():F2}"));
            }
        }
        finally
        {
            if (generated is not null)
            {
                Directory.Delete(generated, recursive: true);
            }
        }

        return 0;
    }

    /// <summary>Writes photo-like JPEGs (smooth colour fields with noise) into two class folders.</summary>
    private static void Generate(string directory, int count, int width, int height)
    {
        var random = new Random(23);
        for (int i = 0; i < count; i++)
        {
            string folder = Path.Combine(directory, i % 2 == 0 ? "a" : "b");
            Directory.CreateDirectory(folder);
            using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            double fx = 3 + (random.NextDouble() * 20), fy = 3 + (random.NextDouble() * 20);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    byte r = (byte)Math.Clamp(128 + (100 * Math.Sin(x / fx) * Math.Cos(y / fy)) + random.Next(-12, 13), 0, 255);
                    byte g = (byte)Math.Clamp((255 * x / width) + random.Next(-12, 13), 0, 255);
                    byte b = (byte)Math.Clamp((255 * y / height) + random.Next(-12, 13), 0, 255);
                    bitmap.SetPixel(x, y, new SKColor(r, g, b));
                }
            }

            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            using var file = File.Create(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D5}.jpg")));
            data.SaveTo(file);
        }
    }
}
