using System.Text.Json.Nodes;

namespace Vit.Inference.Tests;

/// <summary>timm's preprocessing and logits for the fixture images (Fixtures/expected.json, made with timm, PyTorch and Pillow).</summary>
internal static class TimmExpectations
{
    private static readonly Lazy<JsonObject> Images = new(() =>
        JsonNode.Parse(File.ReadAllText(TestFiles.Fixture("expected.json")))!["images"]!.AsObject());

    public static IEnumerable<object[]> ImageNames => Images.Value.Select(kv => new object[] { kv.Key });

    public static float[] Input(string image) => Floats(image, "input");

    public static float[] GrayInput(string image) => Floats(image, "input_gray");

    public static float[] Logits(string image) => Floats(image, "logits");

    public static double[] Probabilities(string image)
    {
        var logits = Logits(image);
        double max = logits.Max();
        var e = logits.Select(v => Math.Exp(v - max)).ToArray();
        double total = e.Sum();
        return [.. e.Select(v => v / total)];
    }

    public static string ImagePath(string image) => TestFiles.Fixture(Path.Combine("images", image));

    public static string ModelFolder => Path.GetDirectoryName(TestFiles.Fixture(Path.Combine("timm_cls", "config.json")))!;

    private static float[] Floats(string image, string key) => [.. Images.Value[image]![key]!.AsArray().Select(n => (float)n!.GetValue<double>())];
}
