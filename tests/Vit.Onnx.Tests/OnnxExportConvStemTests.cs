using System.Globalization;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Onnx.Tests;

/// <summary>
/// Models with a convolutional stem (timm's HybridEmbed around ConvStem; Vit.Core.Tests' Fixtures/variants/conv_stem*,
/// made by timm 1.0.29): ONNX Runtime's outputs equal timm's eval-mode outputs (BatchNorm folded into the convolutions
/// with the running statistics), in float32, float16 and int8.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class OnnxExportConvStemTests(ITestOutputHelper output)
{
    private const OnnxOutputs AllOutputs = OnnxOutputs.Logits | OnnxOutputs.Embeddings | OnnxOutputs.Tokens;

    [Theory]
    [InlineData("conv_stem", 23)]
    [InlineData("conv_stem", 20)]
    [InlineData("conv_stem", 17)]
    [InlineData("conv_stem_noproj_gap", 23)]
    [InlineData("conv_stem_noproj_gap", 20)]
    [InlineData("conv_stem_noproj_gap", 17)]
    public void ExportOnnx_ConvStemFixture_MatchesTimmWithin1e4(string name, int opset)
    {
        using var scope = NewDisposeScope();
        using var model = Load(name);
        var expected = Expected(name);
        using var folder = new TempDirectory();
        using var options = OnnxRuntimeRunner.Options(folder.File("optimized.onnx"));
        Dictionary<string, Tensor> actual;
        using (var session = new InferenceSession(model.ToOnnxBytes(new OnnxExportOptions { Opset = opset, Outputs = AllOutputs }), options))
        {
            actual = OnnxRuntimeRunner.RunAll(session, expected["input_0"]);
        }

        double logits = TensorAssert.Close(actual["logits"], expected["logits_0"], 1e-4, because: "logits");
        double embeddings = TensorAssert.Close(actual["embeddings"], expected["pre_logits_0"], 1e-4, because: "embeddings");
        double tokens = TensorAssert.Close(actual["tokens"], expected["features_0"], 1e-4, because: "tokens");
        var ops = ModelProto.Parser.ParseFrom(System.IO.File.ReadAllBytes(folder.File("optimized.onnx"))).Graph.Node
            .GroupBy(n => string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}")
            .OrderByDescending(group => group.Count()).ThenBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => $"{group.Key} {group.Count()}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} opset {opset}: max abs difference logits {logits:G3}, embeddings {embeddings:G3}, tokens {tokens:G3}; optimized graph: {string.Join(", ", ops)}"));
    }

    [Theory]
    [InlineData("conv_stem", 4, "Relu", 2)]
    [InlineData("conv_stem_noproj_gap", 3, "Gelu", 2)]
    public void ExportOnnx_ConvStemFixture_FoldsEachBatchNormIntoItsPaddedConvolution(string name, int convolutions, string activation, int activations)
    {
        using var scope = NewDisposeScope();
        using var model = Load(name);

        var graph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes()).Graph;

        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        convs.Should().HaveCount(convolutions, "three stem convolutions, then the patch projection unless the stem's features are the tokens");
        convs.Take(3).Should().OnlyContain(n => n.Attribute.Single(a => a.Name == "pads").Ints.SequenceEqual(new long[] { 1, 1, 1, 1 }), "3x3 stride-2 convolutions pad 1 on every side");
        graph.Node.Should().NotContain(n => n.OpType == "BatchNormalization");
        graph.Node.Count(n => n.OpType == activation && !n.Name.StartsWith("block", StringComparison.Ordinal)).Should().Be(activations, "an activation after every stem convolution but the last");
        graph.Node.Should().Contain(n => n.Name == "tokens_2d", "the model is otherwise classic, so the classic graph writes it");
    }

    [Fact]
    public void ExportOnnx_ConvStemInt8Dynamic_KeepsTheTopClassAndStaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var model = Load("conv_stem");
        var images = Expected("conv_stem")["input_0"];

        var reference = OnnxRuntimeRunner.Run(model.ToOnnxBytes(), images);
        var int8 = model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic });
        var quantized = OnnxRuntimeRunner.Run(int8, images);

        double difference = (quantized - reference).abs().max().item<float>();
        double largest = reference.abs().max().item<float>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"conv_stem int8: max |int8 - fp32| = {difference:G3} (largest logit {largest:G3})"));
        quantized.argmax(1).eq(reference.argmax(1)).all().item<bool>().Should().BeTrue("int8 keeps each image's top class");
        difference.Should().BeLessThan(2e-2, "measured 5.2e-3 (1.9% of the largest logit)");
        var graph = ModelProto.Parser.ParseFrom(int8).Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        graph.Node.Where(n => n.OpType == "Conv").SelectMany(n => n.Input.Skip(1)).Select(i => initializers[i].DataType)
            .Should().OnlyContain(t => t == (int)TensorProto.Types.DataType.Float, "the convolutions stay float32");
    }

    [Fact]
    public void ExportOnnx_ConvStemInt8Static_KeepsTheTopClassAndStaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var model = Load("conv_stem");
        var images = Expected("conv_stem")["input_0"];
        torch.manual_seed(43);
        var calibration = randn(16, 3, 32, 32);

        var reference = OnnxRuntimeRunner.Run(model.ToOnnxBytes(), images);
        var quantized = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = calibration }), images);

        double difference = (quantized - reference).abs().max().item<float>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"conv_stem int8 static: max |int8 - fp32| = {difference:G3} (largest logit {reference.abs().max().item<float>():G3})"));
        quantized.argmax(1).eq(reference.argmax(1)).all().item<bool>().Should().BeTrue("int8 keeps each image's top class");
        difference.Should().BeLessThan(3e-2, "measured 7.1e-3 (2.6% of the largest logit) with 16 noise images for calibration");
    }

    [Theory]
    [InlineData("conv_stem")]
    [InlineData("conv_stem_noproj_gap")]
    public void ExportOnnx_ConvStemFloat16_StaysWithin1e2OfTimm(string name)
    {
        using var scope = NewDisposeScope();
        using var model = Load(name);
        var expected = Expected(name);

        var half = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Float16 }), expected["input_0"]);

        double difference = TensorAssert.Close(half, expected["logits_0"], 1e-2, because: "float16 logits");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} float16: max abs difference {difference:G3}"));
    }

    [Theory]
    [InlineData(ActivationKind.Relu, true)]
    [InlineData(ActivationKind.Gelu, false)]
    public void ExportOnnx_ConvStemAfterTrainingSteps_EqualsTheEvalForward(ActivationKind activation, bool projection)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(31);
        var options = new VisionTransformerOptions
        {
            ImageSize = 28, InChannels = 1, PatchSize = projection ? 2 : 1, EmbedDim = 32, Depth = 2, NumHeads = 4, NumClasses = 10, MlpRatio = 2,
            StemChannels = projection ? [8, 16] : [8, 16, 32], StemStrides = projection ? [2, 1] : null, StemActivation = activation, StemProjection = projection,
            Pooling = Pooling.Mean, ClassToken = false,
        };
        using var model = new VisionTransformer(options);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-2);
        model.train();
        for (int step = 0; step < 5; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var images = (randn(8, 1, 28, 28) * 2) + 0.5;
            nn.functional.cross_entropy(model.forward(images), randint(0, 10, [8])).backward();
            optimizer.step();
        }

        model.eval();
        var state = model.state_dict();
        state["patch_embed.backbone.0.bn.running_var"].sub(1).abs().max().item<float>().Should().BeGreaterThan(0.1f, "the training steps moved the running statistics");
        state["patch_embed.backbone.0.bn.weight"].sub(1).abs().max().item<float>().Should().BeGreaterThan(1e-3f, "the training steps moved the BatchNorm's affine weights");
        var test = randn(4, 1, 28, 28);
        Tensor expected;
        using (no_grad())
        {
            expected = model.forward(test);
        }

        var actual = OnnxRuntimeRunner.Run(model.ToOnnxBytes(), test);

        double difference = TensorAssert.Close(actual, expected, 1e-4, because: "logits after training steps");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{activation} stem, projection {projection}: max abs difference {difference:G3}"));
    }

    private static string File(string name, string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "variants", name, file);

    private static Dictionary<string, Tensor> Expected(string name) => SafeTensors.Load(File(name, "expected.safetensors"));

    /// <summary>The case's model with timm's weights, in evaluation mode (options as eng/make_hybrid_fixtures.py built it).</summary>
    private static VisionTransformer Load(string name)
    {
        var o = new VisionTransformerOptions { ImageSize = 32, PatchSize = 2, EmbedDim = 64, Depth = 2, NumHeads = 4, NumClasses = 10, StemChannels = [16, 32, 48] };
        if (name == "conv_stem_noproj_gap")
        {
            (o.ImageSize, o.InChannels, o.PatchSize, o.StemChannels, o.StemActivation, o.StemProjection) = (28, 1, 1, [16, 32, 64], ActivationKind.Gelu, false);
            (o.ClassToken, o.Pooling) = (false, Pooling.Mean);
        }

        var model = VisionTransformer.LoadTimm(File(name, "model.safetensors"), o);
        model.eval();
        return model;
    }
}
