using SkiaSharp;
using Vit.Inference;

namespace Vit.Fuzz;

/// <summary><see cref="ImageClassifier.Classify(string, int)"/> on hostile images (issue 21, items 5, 6 and 14).</summary>
public sealed class ClassifierImageReader : IFuzzReader
{
    /// <summary>The summary of a correct classification: every class, finite probabilities summing to 1.</summary>
    public static readonly string Classified = $"k={ModelFolder.Classes} finite=True sum=1.000";

    /// <inheritdoc/>
    public string Name => "classifier-image";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    /// <summary>Classifies <paramref name="image"/> with the model folder <paramref name="dir"/>; a summary of the predictions.</summary>
    public static string Classify(string dir, string image)
    {
        using var classifier = ImageClassifier.Load(dir);
        var predictions = classifier.Classify(Path.Combine(dir, image), topK: ModelFolder.Classes);
        double sum = predictions.Sum(p => p.Probability);
        return FormattableString.Invariant($"k={predictions.Count} finite={predictions.All(p => double.IsFinite(p.Probability))} sum={sum:F3}");
    }

    private static FuzzCase Case(string name, string caseClass, string image, Action<string> write, FuzzExpectation expect) =>
        new(name, caseClass, dir =>
        {
            ModelFolder.WriteValid(dir);
            write(Path.Combine(dir, image));
        }, dir => Classify(dir, image), expect);

    // Bytes are made when the case is written, not when the list is built (every child process builds the list).
    private static FuzzCase Bytes(string name, string caseClass, string image, Func<byte[]> bytes, FuzzExpectation expect) =>
        Case(name, caseClass, image, path => File.WriteAllBytes(path, bytes()), expect);

    private static List<FuzzCase> Build()
    {
        var ok = FuzzExpectation.Correct(Classified);
        var cases = new List<FuzzCase>
        {
            Bytes("valid-png", "valid", "a.png", () => Images.Real(SKEncodedImageFormat.Png, 40, 30), ok),
            Bytes("valid-jpeg", "valid", "a.jpg", () => Images.Real(SKEncodedImageFormat.Jpeg, 30, 50), ok),
            Bytes("valid-tall-1x20000", "valid", "tall.png", () => Images.Real(SKEncodedImageFormat.Png, 1, 20000), ok),
            new("aspect-1000000x1", "decompression bomb", dir =>
            {
                // crop_pct 0.1 resizes the 1-px side to 160 px, so the long side would become 160,000,000 px.
                var config = ModelFolder.Config();
                config["pretrained_cfg"]!["crop_pct"] = 0.1;
                ModelFolder.Write(dir, config.ToJsonString());
                File.WriteAllBytes(Path.Combine(dir, "thin.png"), Images.Real(SKEncodedImageFormat.Png, 1_000_000, 1));
            }, dir => Classify(dir, "thin.png"), FuzzExpectation.Invalid("thin.png")),
            Bytes("truncated-png", "truncated", "cut.png", () => Images.Truncated(SKEncodedImageFormat.Png), FuzzExpectation.Invalid("cut.png")),
            Bytes("truncated-jpeg", "truncated", "cut.jpg", () => Images.Truncated(SKEncodedImageFormat.Jpeg), FuzzExpectation.Invalid("cut.jpg")),
            Bytes("random-bytes", "damaged", "noise.png", () => [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 37))], FuzzExpectation.Invalid("noise.png")),
            Bytes("empty", "truncated", "empty.png", () => [], FuzzExpectation.Invalid("empty.png")),
            Case("missing", "missing file", "none.png", _ => { }, FuzzExpectation.Error<FileNotFoundException>("none.png")),
        };
        foreach (var (name, extension, bytes) in Images.Bombs)
        {
            cases.Add(Bytes($"bomb-{name}", "decompression bomb", "bomb" + extension, () => bytes, FuzzExpectation.Invalid("bomb" + extension)));
        }

        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            cases.Add(Case($"special-{kind}", "special file", "special.png", make, FuzzExpectation.Invalid("special.png")));
        }

        return cases;
    }
}
