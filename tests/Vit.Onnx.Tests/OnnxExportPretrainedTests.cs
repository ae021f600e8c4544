using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Onnx.Tests;

/// <summary>
/// Every hub case FromPretrained loads (Vit.Core.Tests' Fixtures/pretrained, made by timm 1.0.29 and transformers'
/// module layout), exported and run in ONNX Runtime: logits, embeddings and tokens within 1e-4 of what timm computed,
/// at every input size the case lists; the op types of ONNX Runtime's optimized graph are printed (what fused).
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class OnnxExportPretrainedTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;
    private const OnnxOutputs AllOutputs = OnnxOutputs.Logits | OnnxOutputs.Embeddings | OnnxOutputs.Tokens;

    [Theory]
    [InlineData("dinov2_reg4", 23)]
    [InlineData("dinov2_reg4", 17)]
    [InlineData("dinov2_reg4_dynamic", 23)]
    [InlineData("dinov2_reg4_dynamic", 18)]
    [InlineData("clip_quickgelu", 23)]
    [InlineData("siglip_map", 23)]
    [InlineData("siglip_map", 17)]
    [InlineData("siglip_gap_tanh", 23)]
    [InlineData("siglip_gap_tanh", 17)]
    [InlineData("deit3", 23)]
    [InlineData("deit_distilled", 23)]
    [InlineData("reg4_gap", 23)]
    [InlineData("swiglu", 23)]
    [InlineData("swiglu", 17)]
    [InlineData("qk_norm", 23)]
    [InlineData("qk_norm", 17)]
    [InlineData("hf_vit_classifier", 23)]
    [InlineData("hf_vit_model", 23)]
    [InlineData("hf_dinov2", 23)]
    public void ExportOnnx_HubFolder_MatchesItsOwnCodeAtEveryInputSize(string name, int opset)
    {
        using var scope = NewDisposeScope();
        string folder = Folder(name);
        var sizes = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "case.json")))!["sizes"]!.AsArray();
        using var model = VisionTransformer.FromPretrained(folder);
        var expected = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));
        string optimized = Path.Combine(Path.GetTempPath(), $"vit-onnxarch-{name}-{opset}-{Environment.ProcessId}.onnx");

        var onnx = model.ToOnnxBytes(new OnnxExportOptions { Opset = opset, Outputs = AllOutputs });

        double worst = 0;
        try
        {
            using (var options = OnnxRuntimeRunner.Options(optimized))
            using (var session = new InferenceSession(onnx, options))
            {
                for (int i = 0; i < sizes.Count; i++)
                {
                    var actual = OnnxRuntimeRunner.RunAll(session, expected[$"input_{i}"]);
                    worst = Math.Max(worst, Compare(actual["tokens"], expected, $"features_{i}"));
                    worst = Math.Max(worst, CompareIfPresent(actual["embeddings"], expected, $"pre_logits_{i}"));
                    worst = Math.Max(worst, CompareIfPresent(actual["logits"], expected, $"logits_{i}"));
                    if (name == "hf_dinov2")
                    {
                        // Dinov2Model's pooler output is the class token after the final norm: timm's pre-logits.
                        worst = Math.Max(worst, Compare(actual["embeddings"], expected, $"pooled_{i}"));
                    }
                }
            }

            var ops = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node
                .GroupBy(n => string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}")
                .OrderByDescending(group => group.Count()).ThenBy(group => group.Key, StringComparer.Ordinal)
                .Select(group => $"{group.Key} {group.Count()}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} opset {opset}: {sizes.Count} input sizes, worst max abs difference {worst:G3}; optimized graph: {string.Join(", ", ops)}"));
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    [Fact]
    public void ExportOnnx_FixedSizeModelGivenAnotherSize_OnnxRuntimeNamesTheImagesDimension()
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.FromPretrained(Folder("deit3"));
        using var options = OnnxRuntimeRunner.Options();
        using var session = new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Outputs = AllOutputs }), options);

        var run = () => OnnxRuntimeRunner.RunAll(session, randn(1, 3, 48, 48));

        run.Should().Throw<OnnxRuntimeException>().WithMessage("*images*");
    }

    [Fact]
    public void ExportOnnx_DynamicSizeModelBelowOpset18_ThrowsNamingTheOpset()
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.FromPretrained(Folder("dinov2_reg4_dynamic"));

        var export = () => model.ToOnnxBytes(new OnnxExportOptions { Opset = 17 });

        export.Should().Throw<NotSupportedException>().WithMessage("*OnnxExportOptions.Opset >= 18 (got 17)*");
    }

    [Fact]
    public void ExportOnnx_VariantWithOnnxRuntimeAttention_ThrowsNamingTheOption()
    {
        using var scope = NewDisposeScope();
        using var model = VisionTransformer.FromPretrained(Folder("siglip_map"));

        var export = () => model.ToOnnxBytes(new OnnxExportOptions { OnnxRuntimeAttention = true });

        export.Should().Throw<NotSupportedException>().WithMessage("OnnxExportOptions.OnnxRuntimeAttention *covers the classic block only; this model (0 prefix tokens, AttentionPool pooling*");
    }

    [Theory]
    [InlineData("siglip_map", OnnxPrecision.Float16, 5e-3)]
    [InlineData("siglip_map", OnnxPrecision.Int8Dynamic, 1e-2)]
    [InlineData("dinov2_reg4_dynamic", OnnxPrecision.Float16, 5e-3)]
    [InlineData("dinov2_reg4_dynamic", OnnxPrecision.Int8Dynamic, 1e-2)]
    public void ExportOnnx_VariantWithReducedPrecision_StaysCloseToTimm(string name, OnnxPrecision precision, double tolerance)
    {
        using var scope = NewDisposeScope();
        string folder = Folder(name);
        using var model = VisionTransformer.FromPretrained(folder);
        var expected = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));
        using var options = OnnxRuntimeRunner.Options();

        using var session = new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings, Precision = precision }), options);

        var actual = OnnxRuntimeRunner.RunAll(session, expected["input_0"]);
        double difference = TensorAssert.Close(actual["embeddings"], expected["pre_logits_0"], tolerance, because: $"{name} {precision}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {precision}: embeddings max abs difference {difference:G3}"));
    }

    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained", name);

    private static double CompareIfPresent(Tensor actual, Dictionary<string, Tensor> expected, string key) =>
        expected.ContainsKey(key) ? Compare(actual, expected, key) : 0;

    private static double Compare(Tensor actual, Dictionary<string, Tensor> expected, string key) =>
        TensorAssert.Close(actual, expected[key], Tolerance, because: key);
}
