using SkiaSharp;
using Vit.Data;

namespace Vit.Fuzz;

/// <summary><see cref="ImageFolderDataset.Load"/> (issue 21, items 5, 6, 7 and 14).</summary>
public sealed class ImageFolderReader : IFuzzReader
{
    /// <inheritdoc/>
    public string Name => "image-folder";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    /// <summary>Two classes of two real 8x8 PNGs each.</summary>
    private static void WriteValid(string dir)
    {
        foreach (string c in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(dir, c));
            for (int i = 0; i < 2; i++)
            {
                File.WriteAllBytes(Path.Combine(dir, c, $"{i}.png"), Images.Real(SKEncodedImageFormat.Png, 8, 8, seed: i + 1));
            }
        }
    }

    private static Func<string, string> Load(bool sized, bool skip) => dir =>
    {
        var options = new ImageFolderOptions { SkipUndecodable = skip, Height = sized ? 8 : null, Width = sized ? 8 : null };
        using var data = ImageFolderDataset.Load(dir, options);
        return $"count={data.Count} skipped={data.Skipped.Count} {data.Channels}x{data.Height}x{data.Width}";
    };

    private static FuzzCase Case(string name, string caseClass, Action<string> extra, bool sized, bool skip, FuzzExpectation expect) =>
        new(name, caseClass, dir =>
        {
            WriteValid(dir);
            extra(dir);
        }, Load(sized, skip), expect);

    private static List<FuzzCase> Build()
    {
        const string four = "count=4 skipped=0 3x8x8", oneSkipped = "count=4 skipped=1 3x8x8";
        var cases = new List<FuzzCase>
        {
            Case("valid", "valid", _ => { }, sized: false, skip: false, FuzzExpectation.Correct(four)),
            Case("valid-resized-large-jpeg", "valid", dir => File.WriteAllBytes(Path.Combine(dir, "a", "big.jpg"), Images.Real(SKEncodedImageFormat.Jpeg, 1600, 1200)), sized: true, skip: false, FuzzExpectation.Correct("count=5 skipped=0 3x8x8")),
            Case("symlink-loop-one", "symlink loops", dir => Directory.CreateSymbolicLink(Path.Combine(dir, "a", "loop"), ".."), sized: false, skip: false, FuzzExpectation.Correct(four)),
            Case("symlink-loops-two", "symlink loops", dir =>
            {
                Directory.CreateSymbolicLink(Path.Combine(dir, "a", "to-b"), Path.Combine(dir, "b"));
                Directory.CreateSymbolicLink(Path.Combine(dir, "b", "to-a"), Path.Combine(dir, "a"));
                Directory.CreateSymbolicLink(Path.Combine(dir, "b", "self"), ".");
            }, sized: false, skip: false, FuzzExpectation.Correct(four)),
            Case("duplicate-file-link", "duplicates", dir => File.CreateSymbolicLink(Path.Combine(dir, "b", "copy.png"), Path.Combine(dir, "b", "0.png")), sized: false, skip: false, FuzzExpectation.Correct(four)),
            Case("directory-named-png", "special file", dir => Directory.CreateDirectory(Path.Combine(dir, "a", "folder.png")), sized: false, skip: false, FuzzExpectation.Correct(four)),
        };
        foreach (var format in new[] { SKEncodedImageFormat.Png, SKEncodedImageFormat.Jpeg })
        {
            string file = format == SKEncodedImageFormat.Png ? "cut.png" : "cut.jpg";
            cases.Add(Case($"truncated-{format}".ToLowerInvariant(), "truncated", dir => File.WriteAllBytes(Path.Combine(dir, "a", file), Images.Truncated(format)), sized: true, skip: false, FuzzExpectation.Invalid(Path.Combine("a", file))));
            cases.Add(Case($"truncated-{format}-skipped".ToLowerInvariant(), "truncated", dir => File.WriteAllBytes(Path.Combine(dir, "a", file), Images.Truncated(format)), sized: true, skip: true, FuzzExpectation.Correct(oneSkipped)));
        }

        foreach (var (name, extension, bytes) in Images.Bombs)
        {
            // .wbmp is not among ImageFolderOptions' extensions; SkiaSharp detects the format by content anyway.
            string file = Path.Combine("a", "0bomb" + (extension == ".wbmp" ? ".bmp" : extension));
            cases.Add(Case($"bomb-{name}-sized", "decompression bomb", dir => File.WriteAllBytes(Path.Combine(dir, file), bytes), sized: true, skip: false, FuzzExpectation.Invalid(file)));
            cases.Add(Case($"bomb-{name}-unsized", "decompression bomb", dir => File.WriteAllBytes(Path.Combine(dir, file), bytes), sized: false, skip: false, FuzzExpectation.Invalid(file)));
        }

        foreach (var (kind, make) in SpecialFiles.Kinds.Where(k => k.Kind != "directory"))
        {
            string file = Path.Combine("a", "special.png");
            cases.Add(Case($"special-{kind}", "special file", dir => make(Path.Combine(dir, file)), sized: true, skip: false, FuzzExpectation.Invalid(file)));
            cases.Add(Case($"special-{kind}-skipped", "special file", dir => make(Path.Combine(dir, file)), sized: true, skip: true, FuzzExpectation.Correct(oneSkipped)));
        }

        return cases;
    }
}
