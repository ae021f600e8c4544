using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Timm;

/// <summary>
/// Every timm ViT architecture at depth 1 (folders made by eng/timm-coverage/make_folders.py, outside the suite): each
/// folder through FromPretrained with its logits within 1e-4 of timm's, its parameter count equal to timm's, and
/// FromTimm(name) equal to the folder's options but for the sizes the folder overrides. Runs only when
/// VIT_TIMM_COVERAGE names the folders' root; writes coverage.md there (and, with VIT_TIMM_COVERAGE_SAVE, each model's
/// SavePretrained folder for check_saved.py).
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class TimmCoverageTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [SkippableFact]
    public void FromPretrained_EveryTimmArchitectureAtDepthOne_MatchesTimmsLogits()
    {
        string? root = Environment.GetEnvironmentVariable("VIT_TIMM_COVERAGE");
        Skip.If(string.IsNullOrEmpty(root), "VIT_TIMM_COVERAGE is not set (see eng/timm-coverage/README.md).");

        var rows = new List<(string Name, string Result, double Difference)>();
        foreach (string name in VisionTransformerOptions.TimmArchitectures)
        {
            string folder = Path.Combine(root!, name);
            rows.Add(Directory.Exists(folder) ? Check(name, folder) : (name, "no folder", double.NaN));
        }

        var report = new StringBuilder("| architecture | result | max abs logit difference |\n| --- | --- | --- |\n");
        foreach (var (name, result, difference) in rows)
        {
            report.Append(CultureInfo.InvariantCulture, $"| {name} | {result} | {difference:G3} |\n");
        }

        int passed = rows.Count(r => r.Result == "pass");
        report.Append(CultureInfo.InvariantCulture, $"\n{passed} of {rows.Count} pass; worst difference among them {rows.Where(r => r.Result == "pass").Select(r => r.Difference).DefaultIfEmpty(0).Max():G3}.\n");
        File.WriteAllText(Path.Combine(root!, "coverage.md"), report.ToString());
        output.WriteLine(report.ToString());
        rows.Where(r => r.Result != "pass" && !r.Result.StartsWith("not supported", StringComparison.Ordinal)).Should().BeEmpty();
    }

    private static (string, string, double) Check(string name, string folder)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var timmCase = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "case.json")))!.AsObject();
        VisionTransformer model;
        try
        {
            model = VisionTransformer.FromPretrained(folder);
        }
        catch (InvalidDataException e) when (e.Message.Contains("Vit builds timm's standard", StringComparison.Ordinal))
        {
            return (name, "not supported: " + e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..].Split(';')[0], double.NaN);
        }

        using (model)
        {
            long parameters = model.parameters().Sum(p => p.numel());
            if (parameters != timmCase["parameters"]!.GetValue<long>())
            {
                return (name, $"parameters {parameters}, timm {timmCase["parameters"]}", double.NaN);
            }

            var expected = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));
            double difference = (model.forward(expected["input"]) - expected["logits"]).abs().max().item<float>();
            var fromTimm = VisionTransformerOptions.FromTimm(name);
            var args = timmCase["model_args"]!;
            fromTimm.Depth = args["depth"]!.GetValue<int>();
            fromTimm.NumClasses = args["num_classes"]!.GetValue<int>();
            fromTimm.ImageSize = args["img_size"]!.GetValue<int>();
            if (!JsonNode.DeepEquals(VitOptionsJson.Write(fromTimm), VitOptionsJson.Write(model.Options)))
            {
                return (name, "FromTimm differs from the folder's options", difference);
            }

            // For eng/timm-coverage/check_saved.py: does timm open what Vit writes?
            if (Environment.GetEnvironmentVariable("VIT_TIMM_COVERAGE_SAVE") is { Length: > 0 } saved)
            {
                model.SavePretrained(Path.Combine(saved, name));
            }

            return (name, difference <= Tolerance ? "pass" : "logits differ", difference);
        }
    }
}
