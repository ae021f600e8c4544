using System.Text.Json.Nodes;
using SkiaSharp;

namespace Vit.Fuzz;

/// <summary>ImageClassifier.Load on hostile config.json files (issue 21, items 9, 10 and 14).</summary>
public sealed class ClassifierConfigReader : IFuzzReader
{
    private const string Config = "config.json";
    private const string Image = "a.png";

    /// <inheritdoc/>
    public string Name => "classifier-config";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } = Build();

    private static FuzzCase Case(string name, string caseClass, Action<string> writeFolder, FuzzExpectation expect) =>
        new(name, caseClass, dir =>
        {
            writeFolder(dir);
            File.WriteAllBytes(Path.Combine(dir, Image), Images.Real(SKEncodedImageFormat.Png, 24, 24));
        }, dir => ClassifierImageReader.Classify(dir, Image), expect);

    private static FuzzCase Altered(string name, string caseClass, Action<JsonObject> alter)
    {
        var config = ModelFolder.Config();
        alter(config);
        return Case(name, caseClass, dir => ModelFolder.Write(dir, config.ToJsonString()), FuzzExpectation.Invalid(Config));
    }

    private static JsonObject Cfg(JsonObject config) => config["pretrained_cfg"]!.AsObject();

    private static List<FuzzCase> Build()
    {
        string valid = ModelFolder.Config().ToJsonString();
        var cases = new List<FuzzCase>
        {
            Case("valid", "valid", ModelFolder.WriteValid, FuzzExpectation.Correct(ClassifierImageReader.Classified)),
            Case("duplicate-root-key", "duplicate JSON keys", dir => ModelFolder.Write(dir, valid.Replace("{\"architecture\"", "{\"num_classes\":9,\"architecture\"", StringComparison.Ordinal)), FuzzExpectation.Invalid(Config)),
            Case("duplicate-nested-key", "duplicate JSON keys", dir => ModelFolder.Write(dir, valid.Replace("\"crop_pct\":0.875", "\"crop_pct\":0.875,\"crop_pct\":0.001", StringComparison.Ordinal)), FuzzExpectation.Invalid(Config)),
            Case("deep-nesting", "JSON depth", dir => ModelFolder.Write(dir, valid.Replace("\"model_args\":{}", "\"model_args\":" + new string('[', 5000) + new string(']', 5000), StringComparison.Ordinal)), FuzzExpectation.Invalid(Config)),
            Case("sparse-65mb", "JSON size", dir =>
            {
                ModelFolder.WriteValid(dir);
                SpecialFiles.Sparse(Path.Combine(dir, Config), 65L << 20);
            }, FuzzExpectation.Invalid(Config)),
            Altered("mean-1e308", "preprocessing values", c => Cfg(c)["mean"] = new JsonArray(1e308, 0.5, 0.5)),
            Altered("std-5e-324", "preprocessing values", c => Cfg(c)["std"] = new JsonArray(5e-324, 0.5, 0.5)),
            Altered("std-zero", "preprocessing values", c => Cfg(c)["std"] = new JsonArray(0.0, 0.5, 0.5)),
            Altered("std-negative", "preprocessing values", c => Cfg(c)["std"] = new JsonArray(-1.0, 0.5, 0.5)),
            Altered("crop-pct-0.001", "preprocessing values", c => Cfg(c)["crop_pct"] = 0.001),
            Altered("crop-pct-1e-300", "preprocessing values", c => Cfg(c)["crop_pct"] = 1e-300),
            Altered("crop-pct-zero", "preprocessing values", c => Cfg(c)["crop_pct"] = 0.0),
            Altered("crop-pct-huge", "preprocessing values", c => Cfg(c)["crop_pct"] = 1e300),
            Altered("input-size-30000", "preprocessing values", c => Cfg(c)["input_size"] = new JsonArray(3, 30000, 30000)),
            Altered("input-size-channels-1000", "preprocessing values", c => Cfg(c)["input_size"] = new JsonArray(1000, 16, 16)),
            Altered("num-classes-huge", "values", c => c["num_classes"] = int.MaxValue),
            Case("mean-overflow-literal", "preprocessing values", dir => ModelFolder.Write(dir, valid.Replace("\"mean\":[0.5,", "\"mean\":[1e400,", StringComparison.Ordinal)), FuzzExpectation.Invalid(Config)),
            Case("not-json", "damaged", dir => ModelFolder.Write(dir, valid[..(valid.Length / 2)]), FuzzExpectation.Invalid(Config)),
        };
        foreach (var (kind, make) in SpecialFiles.Kinds)
        {
            cases.Add(Case($"special-{kind}", "special file", dir =>
            {
                File.WriteAllBytes(Path.Combine(dir, "model.onnx"), TinyOnnx.Model(3, ModelFolder.Size, ModelFolder.Classes));
                make(Path.Combine(dir, Config));
            }, FuzzExpectation.Invalid(Config)));
        }

        return cases;
    }
}
