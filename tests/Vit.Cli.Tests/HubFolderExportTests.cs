using System.Globalization;
using System.Text.Json.Nodes;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Vit.Core;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Cli.Tests;

/// <summary>
/// <c>vit export</c> on every hub folder the repository carries (Vit.Core.Tests' Fixtures/pretrained: timm and
/// transformers layouts, made by timm 1.0.29): ONNX Runtime's outputs of the exported folder equal the fixture's
/// expected.safetensors within 1e-4 at every input size its case.json lists (logits = <c>logits_I</c>, embeddings =
/// <c>pre_logits_I</c>, or transformers DINOv2's <c>pooled_I</c>; tokens = <c>features_I</c>), and Vit.Inference loads it.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class HubFolderExportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> HubFolders() =>
        [.. Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    [Fact]
    public void HubFolders_TheRepositoryCarries_AreAllHere()
    {
        HubFolders().Should().HaveCount(13, "every case of Vit.Core.Tests/Fixtures/pretrained is exported by the theory below");
    }

    [Theory]
    [MemberData(nameof(HubFolders))]
    public void Export_HubFolder_OnnxRuntimeOutputsEqualTheFixturesExpectedAtEveryInputSize(string name)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        string folder = HubDownload(name, temp);
        var expected = SafeTensors.Load(Path.Combine(folder, "expected.safetensors"));
        int sizes = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "case.json")))!["sizes"]!.AsArray().Count;
        bool classifier = VisionTransformer.ReadPretrainedOptions(folder).NumClasses > 0;
        File.Exists(Path.Combine(folder, "preprocessor_config.json")).Should().Be(name.StartsWith("hf_", StringComparison.Ordinal));

        var (code, stdout, errors) = ToolRun.InProcess("export", folder, temp.File("app"), "--outputs", classifier ? "logits,embeddings,tokens" : "embeddings,tokens");

        code.Should().Be(0, errors);
        output.WriteLine(stdout.TrimEnd());
        double worst = 0;
        int compared = 0;
        using (var session = new InferenceSession(temp.File("app/model.onnx")))
        {
            for (int i = 0; i < sizes; i++)
            {
                var actual = Run(session, expected[$"input_{i}"]);
                foreach (var (graphOutput, key) in new[] { ("tokens", $"features_{i}"), ("embeddings", $"pre_logits_{i}"), ("embeddings", $"pooled_{i}"), ("logits", $"logits_{i}") })
                {
                    // hf_vit_model's pooled output is transformers' tanh pooler, which timm (and Vit) has not: not an embedding.
                    if (!expected.ContainsKey(key) || !actual.ContainsKey(graphOutput) || (name == "hf_vit_model" && key.StartsWith("pooled", StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    worst = Math.Max(worst, TensorAssert.Close(actual[graphOutput], expected[key], Tolerance, because: $"{name}: {graphOutput} vs {key}"));
                    compared++;
                }

                if (name == "hf_vit_model")
                {
                    // ViTModel's embedding (class-token pooling, as timm's pre-logits) is last_hidden_state's class token.
                    worst = Math.Max(worst, TensorAssert.Close(actual["embeddings"], expected[$"features_{i}"].select(1, 0), Tolerance, because: $"{name}: embeddings vs features_{i}[:, 0]"));
                    compared++;
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {compared} outputs at {sizes} input size(s), worst max abs difference {worst:G3}"));
        compared.Should().BeGreaterThanOrEqualTo(2 * sizes, "tokens and at least one pooled output are compared at every size");
        using var embedder = ImageEmbedder.Load(temp.File("app"));
        embedder.Dimension.Should().Be((int)expected["features_0"].shape[2]);
    }

    [Fact]
    public void Export_TransformersFolderWithoutPreprocessorConfig_ExitsTwoNamingTheFileAndWritesNothing()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempDirectory();
        string folder = Fixture("hf_dinov2");

        var (code, _, errors) = ToolRun.InProcess("export", folder, temp.File("app"));

        code.Should().Be(2);
        errors.Should().Be($"error: '{folder}/preprocessor_config.json' does not exist: a transformers model folder ('{folder}/config.json' has model_type) keeps its preprocessing there, and ImageClassifier/ImageEmbedder need it; download it with the model.\n");
        Directory.Exists(temp.File("app")).Should().BeFalse();
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained", name);

    /// <summary>The fixture as the hub serves it: transformers repos carry a preprocessor_config.json (the fixtures keep only what the model code reads).</summary>
    private static string HubDownload(string name, TempDirectory temp)
    {
        string fixture = Fixture(name);
        string processor = name switch
        {
            "hf_dinov2" => """{"image_processor_type": "BitImageProcessor", "do_resize": true, "size": {"shortest_edge": 32}, "resample": 3, "do_center_crop": true, "crop_size": {"height": 28, "width": 28}, "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "do_convert_rgb": true}""",
            "hf_vit_model" or "hf_vit_classifier" => """{"image_processor_type": "ViTImageProcessor", "do_resize": true, "size": {"height": 32, "width": 32}, "resample": 2, "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}""",
            _ => string.Empty,
        };
        if (processor.Length == 0)
        {
            return fixture;
        }

        string copy = temp.File(name);
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(fixture))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(copy, "preprocessor_config.json"), processor);
        return copy;
    }

    private static Dictionary<string, Tensor> Run(InferenceSession session, Tensor images)
    {
        float[] values = images.contiguous().data<float>().ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(values, images.shape);
        using var run = new RunOptions();
        using var results = session.Run(run, [.. session.InputNames], [input], [.. session.OutputNames]);
        return session.OutputNames.Select((n, k) => (n, k)).ToDictionary(
            o => o.n,
            o => tensor(results[o.k].GetTensorDataAsSpan<float>().ToArray(), results[o.k].GetTensorTypeAndShape().Shape));
    }
}
