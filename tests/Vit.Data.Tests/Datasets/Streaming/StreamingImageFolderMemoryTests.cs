using System.Globalization;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Vit.Data.Tests;

/// <summary>Resident memory while streaming a folder whose decoded images are 5x the memory the test allows.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class StreamingImageFolderMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const long AllowedBytes = 16L << 20;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void Epoch_FolderFiveTimesTheAllowedMemory_ResidentMemoryStaysFlat()
    {
        Skip.IfNot(File.Exists("/proc/self/status"), "VmRSS is read from /proc/self/status (Linux).");
        const int files = 280, side = 320;
        string root = Path.Combine(_dir.Path, "data");
        JpegFolder.Write(root, files, side, side);
        long decodedBytes = (long)files * side * side * 3;
        decodedBytes.Should().BeGreaterThanOrEqualTo(5 * AllowedBytes, "the folder decoded must not fit in the allowed memory five times over");

        var transform = new EvalTransform(new EvalTransformOptions { ImageSize = 64, CropPct = 0.875 });
        using var dataset = StreamingImageFolder.Open(root, transform, new StreamingImageFolderOptions { DecodeThreads = 2, MaxDecodedInFlight = 2 });
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 16, Seed = 0 }, transform.TensorTransforms);
        var samples = new List<double>();
        int batches = 0;
        foreach (Batch batch in loader.Epoch(0))
        {
            batches++;
            samples.Add(ResidentBytes());
        }

        double baseline = samples.Take(4).Max();
        double peak = samples.Max();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{files} JPEGs {side}x{side} ({decodedBytes / 1048576.0:F0} MB decoded), {batches} batches: RSS after 4 batches {baseline / 1048576.0:F1} MB, peak {peak / 1048576.0:F1} MB, last {samples[^1] / 1048576.0:F1} MB, growth {(peak - baseline) / 1048576.0:F1} MB"));
        batches.Should().Be(18);
        (peak - baseline).Should().BeLessThan(AllowedBytes, "only the file list and a bounded number of decoded images are held");
    }

    private static double ResidentBytes()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024.0;
    }
}
