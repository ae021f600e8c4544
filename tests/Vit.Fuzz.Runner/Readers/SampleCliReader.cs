using System.IO.Compression;

namespace Vit.Fuzz;

/// <summary>
/// The Fashion-MNIST sample's command line (issue 21, item 13): every bad input ends in exit code 2, one <c>error:</c>
/// line and no file written (a failed run also removes the <c>--tensorboard</c> folder it created).
/// </summary>
public sealed class SampleCliReader : IFuzzReader
{
    private static readonly FuzzExpectation Refused = FuzzExpectation.Correct(SampleCommand.Refused);

    /// <inheritdoc/>
    public string Name => "sample-cli";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    private static FuzzCase Case(string name, string caseClass, string[] arguments, FuzzExpectation expect, Action<string>? files = null) =>
        new(name, caseClass, dir =>
        {
            files?.Invoke(dir);
            SampleCommand.WriteArguments(dir, arguments);
        }, SampleCommand.Run, expect);

    /// <summary>An IDX image file whose header declares <paramref name="count"/> 28x28 images, followed by <paramref name="zeroMegabytes"/> MiB of zeros, gzipped.</summary>
    private static Action<string> GzipImages(uint count, int zeroMegabytes) => dir =>
    {
        string data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        using (var gzip = new GZipStream(File.Create(Path.Combine(data, "t10k-images-idx3-ubyte.gz")), CompressionLevel.Fastest))
        {
            byte[] header = [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), count);
            gzip.Write(header);
            var zeros = new byte[1 << 20];
            for (int i = 0; i < zeroMegabytes; i++)
            {
                gzip.Write(zeros);
            }
        }

        using var labels = new GZipStream(File.Create(Path.Combine(data, "t10k-labels-idx1-ubyte.gz")), CompressionLevel.Fastest);
        labels.Write([0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 2, 3]);
    };

    private static List<FuzzCase> Build()
    {
        string[] run = ["--out", "{dir}/run", "--tensorboard", "{dir}/tb", "--threads", "1"];
        return
        [
            Case("help", "valid", ["--help"], FuzzExpectation.Correct("exit 0; 0 error lines; nothing written")),
            Case("out-empty", "empty path", ["--out", ""], Refused),
            Case("data-empty", "empty path", [.. run, "--data", ""], Refused),
            Case("tensorboard-empty", "empty path", ["--out", "{dir}/run", "--tensorboard", ""], Refused),
            Case("resume-blank", "empty path", ["--resume", " "], Refused),
            Case("tensorboard-is-a-file", "existing file", ["--out", "{dir}/run", "--tensorboard", "{dir}/tb.txt", "--limit", "64"], Refused, dir => File.WriteAllText(Path.Combine(dir, "tb.txt"), "mine")),
            Case("out-is-a-file", "existing file", ["--out", "{dir}/file", "--limit", "64"], Refused, dir => File.WriteAllText(Path.Combine(dir, "file"), "mine")),
            Case("out-below-a-file", "failed run leaves its folders", ["--out", "{dir}/file/run", "--tensorboard", "{dir}/tb", "--limit", "64", "--batch-size", "32", "--threads", "1"], Refused, dir => File.WriteAllText(Path.Combine(dir, "file"), "mine")),
            Case("mlp-ratio-1e300", "model size", [.. run, "--mlp-ratio", "1e300"], Refused),
            Case("width-max-heads-1", "model size", [.. run, "--width", "2147483647", "--heads", "1"], Refused),
            Case("depth-million", "model size", [.. run, "--depth", "1000000"], Refused),
            Case("width-heads-mismatch", "model size", [.. run, "--width", "100", "--heads", "3"], Refused),
            Case("validation-split-tiny", "data split", [.. run, "--validation-split", "0.0001", "--limit", "64"], Refused),
            Case("batch-larger-than-data", "data split", [.. run, "--limit", "64", "--batch-size", "128"], Refused),
            Case("lr-nan", "number out of range", [.. run, "--lr", "NaN"], Refused),
            Case("epochs-overflow", "number out of range", [.. run, "--epochs", "99999999999"], Refused),
            Case("data-missing", "data folder", [.. run, "--data", "{dir}/missing"], Refused),
            Case("data-empty-folder", "data folder", [.. run, "--data", "{dir}/data"], Refused, dir => Directory.CreateDirectory(Path.Combine(dir, "data"))),
            Case("data-gzip-bomb", "decompression bomb", [.. run, "--data", "{dir}/data"], Refused, GzipImages(1_000_000, 64)),
            Case("data-header-overflow", "decompression bomb", [.. run, "--data", "{dir}/data"], Refused, GzipImages(0x80000000, 1)),
            Case("data-images-fifo", "special file", [.. run, "--data", "{dir}/data"], Refused, dir =>
            {
                GzipImages(4, 0)(dir);
                string images = Path.Combine(dir, "data", "t10k-images-idx3-ubyte.gz");
                File.Delete(images);
                SpecialFiles.Fifo(images);
            }),
        ];
    }
}
