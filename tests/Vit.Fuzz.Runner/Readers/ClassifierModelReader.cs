using SkiaSharp;

namespace Vit.Fuzz;

/// <summary>ImageClassifier on hostile model.onnx files (issue 21, items 11 and 14).</summary>
public sealed class ClassifierModelReader : IFuzzReader
{
    private const string Model = "model.onnx";
    private const string Image = "a.png";

    /// <inheritdoc/>
    public string Name => "classifier-model";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    private static FuzzCase Case(string name, string caseClass, Action<string> writeModel, FuzzExpectation expect) =>
        new(name, caseClass, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), ModelFolder.Config().ToJsonString());
            writeModel(Path.Combine(dir, Model));
            File.WriteAllBytes(Path.Combine(dir, Image), Images.Real(SKEncodedImageFormat.Png, 24, 24));
        }, dir => ClassifierImageReader.Classify(dir, Image), expect);

    private static FuzzCase Bytes(string name, string caseClass, byte[] model, FuzzExpectation expect) =>
        Case(name, caseClass, path => File.WriteAllBytes(path, model), expect);

    private static List<FuzzCase> Build()
    {
        var bad = FuzzExpectation.Invalid(Model);
        const int c = ModelFolder.Classes, s = ModelFolder.Size;
        var cases = new List<FuzzCase>
        {
            Bytes("valid", "valid", TinyOnnx.Model(3, s, c), FuzzExpectation.Correct(ClassifierImageReader.Classified)),
            Bytes("int64-output", "ONNX outputs", TinyOnnx.Model(3, s, c, OnnxOutputType.Integer64), bad),
            Bytes("double-output", "ONNX outputs", TinyOnnx.Model(3, s, c, OnnxOutputType.DoublePrecision), bad),
            Bytes("runtime-width-wider", "ONNX outputs", TinyOnnx.Model(3, s, c + 3, dynamicWidth: true), bad),
            Bytes("runtime-width-narrower", "ONNX outputs", TinyOnnx.Model(3, s, c - 1, dynamicWidth: true), bad),
            Bytes("declared-width-wrong", "ONNX outputs", TinyOnnx.Model(3, s, c + 1), bad),
            Bytes("nan-logits", "ONNX outputs", TinyOnnx.Model(3, s, c, nanBias: true), bad),
            Bytes("wrong-input-size", "ONNX outputs", TinyOnnx.Model(3, s * 2, c), bad),
            Bytes("garbage", "damaged", [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 91))], bad),
            Bytes("truncated", "truncated", TinyOnnx.Model(3, s, c)[..200], bad),
        };
        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            cases.Add(Case($"special-{kind}", "special file", make, bad));
        }

        return cases;
    }
}
