using System.Buffers.Binary;
using Vit.Data;

namespace Vit.Fuzz;

/// <summary><see cref="IdxFiles.Load"/>: raw and gzip IDX files (issue 21, items 12 and 14).</summary>
public sealed class IdxReader : IFuzzReader
{
    private const string Images = "images.idx";
    private const string Labels = "labels.idx";

    /// <inheritdoc/>
    public string Name => "idx";

    /// <inheritdoc/>
    public Action<string>? RunFile => file => IdxFiles.Load(file, file).Dispose();

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    /// <summary>An IDX header: magic then big-endian dimensions.</summary>
    public static byte[] Header(int magic, params int[] dims)
    {
        byte[] header = new byte[4 + (4 * dims.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * i)), dims[i]);
        }

        return header;
    }

    private static string Read(string dir)
    {
        using var data = IdxFiles.Load(Path.Combine(dir, Images), Path.Combine(dir, Labels));
        return $"{data.Count}x{data.Channels}x{data.Height}x{data.Width} classes={data.ClassNames.Count}";
    }

    private static byte[] ValidImages() => [.. Header(0x803, 3, 4, 5), .. Enumerable.Range(0, 60).Select(i => (byte)i)];

    private static byte[] ValidLabels() => [.. Header(0x801, 3), 0, 2, 1];

    private static FuzzCase Case(string name, string caseClass, byte[] images, bool gzipImages, FuzzExpectation expect, byte[]? labels = null) =>
        new(name, caseClass, dir =>
        {
            File.WriteAllBytes(Path.Combine(dir, Images), gzipImages ? Gzip.Compress(images) : images);
            File.WriteAllBytes(Path.Combine(dir, Labels), labels ?? ValidLabels());
        }, Read, expect);

    private static List<FuzzCase> Build()
    {
        var bad = FuzzExpectation.Invalid(Images);
        var cases = new List<FuzzCase>
        {
            Case("valid-raw", "valid", ValidImages(), false, FuzzExpectation.Correct("3x1x4x5 classes=3")),
            Case("valid-gzip", "valid", ValidImages(), true, FuzzExpectation.Correct("3x1x4x5 classes=3")),
            Case("header-overflow-raw", "header products", Header(0x803, 1 << 22, 1 << 21, 1 << 21), false, bad),
            Case("header-overflow-gzip", "header products", Header(0x803, 1 << 22, 1 << 21, 1 << 21), true, bad),
            Case("header-max-dims-gzip", "header products", Header(0x803, int.MaxValue, int.MaxValue, int.MaxValue), true, bad),
            Case("negative-dim", "header products", Header(0x803, 3, -4, 5), false, bad),
            Case("zero-rows", "header products", Header(0x803, 3, 0, 5), false, bad),
            Case("wrong-magic", "header", [.. Header(0x802, 3, 4, 5), .. new byte[60]], false, bad),
            Case("short-header", "truncated", Header(0x803, 3)[..6], false, bad),
            Case("empty", "truncated", [], false, bad),
            Case("truncated-raw", "truncated", ValidImages()[..40], false, bad),
            Case("truncated-gzip", "truncated", ValidImages()[..40], true, bad),
            Case("trailing-raw", "trailing garbage", [.. ValidImages(), 1, 2, 3], false, bad),
            Case("trailing-gzip", "trailing garbage", [.. ValidImages(), 1, 2, 3], true, bad),
            new("trailing-after-gzip-member", "trailing garbage", dir =>
            {
                File.WriteAllBytes(Path.Combine(dir, Images), [.. Gzip.Compress(ValidImages()), .. "garbage"u8.ToArray()]);
                File.WriteAllBytes(Path.Combine(dir, Labels), ValidLabels());
            }, Read, bad),
            new("gzip-bomb-3mb", "decompression bomb", dir =>
            {
                // About 3 MB of gzip inflating to 3 GB: the header declares 60,000 28x28 images, the rest is a tail.
                Gzip.WriteWithZeros(Path.Combine(dir, Images), Header(0x803, 60000, 28, 28), 3L << 30);
                File.WriteAllBytes(Path.Combine(dir, Labels), [.. Header(0x801, 60000), .. new byte[60000]]);
            }, Read, bad),
            new("labels-count-mismatch", "header", dir =>
            {
                File.WriteAllBytes(Path.Combine(dir, Images), ValidImages());
                File.WriteAllBytes(Path.Combine(dir, Labels), [.. Header(0x801, 1 << 30)]);
            }, Read, FuzzExpectation.Invalid(Labels)),
            new("damaged-gzip", "damaged", dir =>
            {
                byte[] gz = Gzip.Compress(ValidImages());
                for (int i = 12; i < gz.Length - 8; i++)
                {
                    gz[i] ^= 0x5A;
                }

                File.WriteAllBytes(Path.Combine(dir, Images), gz);
                File.WriteAllBytes(Path.Combine(dir, Labels), ValidLabels());
            }, Read, bad),
        };
        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            cases.Add(new($"special-{kind}", "special file", dir =>
            {
                make(Path.Combine(dir, Images));
                File.WriteAllBytes(Path.Combine(dir, Labels), ValidLabels());
            }, Read, bad));
        }

        for (int seed = 0; seed < 8; seed++)
        {
            cases.Add(Case($"mutation-{seed}", "mutation", Mutations.Of(ValidImages(), seed), seed >= 4, FuzzExpectation.InvalidOrAny(Images)));
        }

        return cases;
    }
}
