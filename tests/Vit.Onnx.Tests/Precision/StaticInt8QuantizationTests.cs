using FluentAssertions;
using Microsoft.Extensions.Options;
using Onnx;
using TorchSharp;
using Vit.Core;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Onnx.Tests;

/// <summary>Int8Static: ranges measured on calibration images, one QuantizeLinear per tensor, MatMulIntegerToFloat per linear layer; bad calibration input fails before anything is written.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class StaticInt8QuantizationTests(ITestOutputHelper output)
{
    private static VisionTransformerOptions Shape(Pooling pooling) => new()
    {
        ImageSize = 32, PatchSize = 4, InChannels = 3, NumClasses = 10, EmbedDim = 192, Depth = 4, NumHeads = 3, MlpRatio = 4, Pooling = pooling,
    };

    private static VisionTransformer Tiny() => new(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, NumClasses = 3, EmbedDim = 8, Depth = 1, NumHeads = 2 });

    [Theory]
    [InlineData(Pooling.ClassToken)]
    [InlineData(Pooling.Mean)]
    public void ExportOnnx_Int8Static_LogitsWithin8PercentOfTheLargestAndSameTopClass(Pooling pooling)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var model = new VisionTransformer(Shape(pooling));
        model.eval();
        var calibration = randn(32, 3, 32, 32);
        var images = randn(64, 3, 32, 32);

        var reference = OnnxRuntimeRunner.Run(model.ToOnnxBytes(), images);
        var quantized = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = calibration }), images);

        double scale = reference.abs().max().item<float>();
        double relative = (quantized - reference).abs().max().item<float>() / scale;
        double agreement = (quantized.argmax(1) == reference.argmax(1)).to(ScalarType.Float32).mean().item<float>();
        output.WriteLine($"{pooling}: max |int8 static - fp32| / max |fp32| = {relative:F4} (largest logit {scale:F3}); top-1 agreement {agreement:P1} of 64");
        relative.Should().BeLessThan(0.08, "random weights on noise like the calibration images; measured 0.061 (class token)");
        agreement.Should().BeGreaterThanOrEqualTo(60 / 64.0, "the logits of random weights are close together (largest 0.52), so a few argmaxes flip; measured 61/64 (class token)");
    }

    [Fact]
    public void ExportOnnx_Int8Static_EveryLinearLayerReadsOneSharedQuantizeLinearPerTensor()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(12);
        using var model = new VisionTransformer(Shape(Pooling.Mean));

        var graph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = randn(4, 3, 32, 32) })).Graph;

        var linear = graph.Node.Where(n => n.OpType == "MatMulIntegerToFloat").ToList();
        linear.Should().HaveCount((4 * 6) + 1, "q, k, v, proj, fc1, fc2 in each of 4 blocks and the head");
        linear.Should().OnlyContain(n => n.Domain == "com.microsoft");
        var quantize = graph.Node.Where(n => n.OpType == "QuantizeLinear").ToList();
        quantize.Should().HaveCount((4 * 4) + 1, "per block one for q/k/v's shared input, one each for proj, fc1 and fc2; one for the head");
        linear.Select(n => n.Input[0]).Should().BeSubsetOf(quantize.Select(n => n.Output[0]));
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        linear.Select(n => initializers[n.Input[1]].DataType).Should().OnlyContain(t => t == (int)TensorProto.Types.DataType.Int8);
        linear.Select(n => initializers[n.Input[3]].Dims.Single()).Should().Equal(linear.Select(n => initializers[n.Input[1]].Dims[1]), "one weight scale per output channel");
        quantize.Select(n => initializers[n.Input[2]].DataType).Should().OnlyContain(t => t == (int)TensorProto.Types.DataType.Uint8, "activations are uint8, as the VNNI u8s8 kernels take");
        graph.Node.Where(n => n.OpType is "MatMul" or "Gemm").Should().BeEmpty();
        graph.Output.Select(o => o.Name).Should().Equal(["logits"], "calibration's extra outputs are not left in the graph");
    }

    [Fact]
    public void ExportOnnx_Int8Static_QuantizeLinearScaleSpansTheCalibratedRange()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(13);
        using var model = new VisionTransformer(new VisionTransformerOptions { ImageSize = 8, PatchSize = 4, InChannels = 3, NumClasses = 0, EmbedDim = 16, Depth = 1, NumHeads = 2, Pooling = Pooling.Mean, ClassToken = false });
        model.eval();
        var calibration = randn(6, 3, 8, 8);
        var weights = model.state_dict();
        Tensor normed;
        using (torch.no_grad())
        {
            // The first linear layers (q, k, v) read norm1 of the embedded patches: computed here from the weights.
            var patches = nn.functional.conv2d(calibration, weights["patch_embed.proj.weight"], weights["patch_embed.proj.bias"], strides: [4, 4]);
            var tokens = patches.flatten(2).transpose(1, 2) + weights["pos_embed"];
            normed = nn.functional.layer_norm(tokens, [16], weights["blocks.0.norm1.weight"], weights["blocks.0.norm1.bias"], 1e-6);
        }

        var graph = ModelProto.Parser.ParseFrom(model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = calibration, CalibrationBatchSize = 4 })).Graph;

        var first = graph.Node.First(n => n.OpType == "QuantizeLinear");
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        float scale = BitConverter.ToSingle(initializers[first.Input[1]].RawData.Span);
        byte zeroPoint = initializers[first.Input[2]].RawData.Span[0];
        float min = normed.min().item<float>(), max = normed.max().item<float>();
        output.WriteLine($"norm1 range [{min}, {max}]: scale {scale}, zero point {zeroPoint}");
        scale.Should().BeApproximately((max - min) / 255f, 1e-5f);
        zeroPoint.Should().Be((byte)Math.Round(-min / ((max - min) / 255f)));
    }

    [Fact]
    public void ExportOnnx_Int8Static_AnImagesLogitsDoNotDependOnTheOtherImagesInItsBatch()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(15);
        using var model = new VisionTransformer(Shape(Pooling.ClassToken));
        model.eval();
        var image = randn(1, 3, 32, 32);
        var batch = cat([image, randn(7, 3, 32, 32) * 3], 0);
        byte[] staticGraph = model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = randn(16, 3, 32, 32) });
        byte[] dynamicGraph = model.ToOnnxBytes(new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic });

        var alone = OnnxRuntimeRunner.Run(staticGraph, image);
        var inBatch = OnnxRuntimeRunner.Run(staticGraph, batch)[..1];
        double dynamicShift = (OnnxRuntimeRunner.Run(dynamicGraph, image) - OnnxRuntimeRunner.Run(dynamicGraph, batch)[..1]).abs().max().item<float>();

        output.WriteLine($"one image's logits alone vs in a batch with wider-ranged images: static max shift {(alone - inBatch).abs().max().item<float>():G3}, dynamic {dynamicShift:G3}");
        TensorAssert.Close(inBatch, alone, 1e-6, because: "fixed scales: the batch does not change how an image is quantized");
        dynamicShift.Should().BeGreaterThan(1e-4, "Int8Dynamic quantizes with the range of the whole batch, which the wider images change");
    }

    [Fact]
    public void ExportOnnx_Int8StaticWithFixedBatch_CalibratesImagesThatDoNotFillTheLastBatch()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(14);
        using var model = new VisionTransformer(Shape(Pooling.ClassToken));
        model.eval();
        var images = randn(4, 3, 32, 32);
        var options = new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = randn(6, 3, 32, 32), DynamicBatch = false, BatchSize = 4 };

        var quantized = OnnxRuntimeRunner.Run(model.ToOnnxBytes(options), images);

        var reference = OnnxRuntimeRunner.Run(model.ToOnnxBytes(new OnnxExportOptions { DynamicBatch = false, BatchSize = 4 }), images);
        ((double)(quantized - reference).abs().max().item<float>() / reference.abs().max().item<float>()).Should().BeLessThan(0.08);
    }

    [Fact]
    public void ExportOnnx_Int8StaticWithoutCalibrationImages_ThrowsBeforeWritingAnything()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = Tiny();

        var act = () => model.ExportOnnx(folder.File("out/model.onnx"), new OnnxExportOptions { Precision = OnnxPrecision.Int8Static });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "OnnxExportOptions.CalibrationImages is null, but Precision Int8Static measures the activation ranges on them; give float32 images [N, C, H, W] preprocessed as for inference (a few dozen like the app's)");
        Directory.Exists(folder.File("out")).Should().BeFalse();
    }

    [Theory]
    [InlineData(0, 3, 8, 8, "OnnxExportOptions.CalibrationImages is Float32 [0, 3, 8, 8], but must be Float32 [N, C, H, W] with N at least 1")]
    [InlineData(2, 1, 8, 8, "OnnxExportOptions.CalibrationImages is [2, 1, 8, 8], but the model takes 3 channels at 8x8: [N, 3, H, W]; nothing was written.*")]
    [InlineData(2, 3, 16, 16, "OnnxExportOptions.CalibrationImages is [2, 3, 16, 16], but the model takes 3 channels at 8x8: [N, 3, H, W]; nothing was written.*")]
    public void ExportOnnx_Int8StaticWithUnfitCalibrationImages_ThrowsNamingTheShapeBeforeWritingAnything(long n, long c, long h, long w, string message)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = Tiny();

        var act = () => model.ExportOnnx(folder.File("out/model.onnx"), new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = randn(n, c, h, w) });

        var thrown = act.Should().Throw<Exception>().Which;
        thrown.Should().Match<Exception>(e => e is OptionsValidationException || e is ArgumentException);
        thrown.Message.Should().Match(message);
        Directory.Exists(folder.File("out")).Should().BeFalse();
    }

    [Fact]
    public void ExportOnnx_Int8StaticWithNaNInACalibrationImage_ThrowsNamingTheTensorBeforeWritingAnything()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempDirectory();
        using var model = Tiny();
        var images = randn(2, 3, 8, 8);
        images[1, 0, 0, 0] = tensor(float.NaN);

        var act = () => model.ExportOnnx(folder.File("out/model.onnx"), new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = images });

        act.Should().Throw<InvalidDataException>().WithMessage("Int8Static: tensor '*' took values from * on the calibration images; a scale needs a finite range (check OnnxExportOptions.CalibrationImages for NaN or infinity).");
        Directory.Exists(folder.File("out")).Should().BeFalse();
    }

    [Fact]
    public void Failures_CalibrationImagesWithAnotherPrecisionOrInt8StaticWithOnnxRuntimeAttention_NameTheFields()
    {
        using var scope = NewDisposeScope();
        var validator = new OnnxExportOptionsValidator();

        var other = validator.Failures(new OnnxExportOptions { Precision = OnnxPrecision.Int8Dynamic, CalibrationImages = randn(1, 3, 8, 8) });
        var attention = validator.Failures(new OnnxExportOptions { Precision = OnnxPrecision.Int8Static, CalibrationImages = randn(1, 3, 8, 8), OnnxRuntimeAttention = true });

        other.Should().Equal("OnnxExportOptions.CalibrationImages is set, but Precision is Int8Dynamic and only Int8Static reads them; set Precision to Int8Static or leave CalibrationImages null");
        attention.Should().ContainSingle().Which.Should().StartWith("OnnxExportOptions.Precision is Int8Static and OnnxRuntimeAttention is true");
    }

    [Fact]
    public void Apply_GemmWithTransposedInput_ThrowsNamingTheNodeAndTheOperator()
    {
        var model = new ModelProto { Graph = new GraphProto() };
        model.Graph.Initializer.Add(InitializerData.Create("w", [1f, 2f, 3f, 4f], 2, 2));
        var gemm = new NodeProto { OpType = "Gemm", Name = "odd_gemm" };
        gemm.Input.AddRange(["x", "w"]);
        gemm.Output.Add("y");
        gemm.Attribute.Add(new AttributeProto { Name = "transA", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        model.Graph.Node.Add(gemm);

        var act = () => StaticInt8Quantization.LinearInputs(model);

        act.Should().Throw<NotSupportedException>().WithMessage("Int8Static cannot quantize Gemm 'odd_gemm' (alpha 1, beta 1, transA 1): MatMulIntegerToFloat computes A·B + bias only.");
    }

    [Theory]
    [InlineData(-1f, 3f, 4f / 255f, 64)]
    [InlineData(2f, 5f, 5f / 255f, 0)]
    [InlineData(-4f, -1f, 4f / 255f, 255)]
    [InlineData(0f, 0f, 1f, 0)]
    public void ToUInt8_Range_HoldsZeroExactly(float min, float max, float scale, int zeroPoint)
    {
        var (actualScale, actualZeroPoint) = new ActivationRange(min, max).ToUInt8("x");

        actualScale.Should().BeApproximately(scale, 1e-7f);
        actualZeroPoint.Should().Be((byte)zeroPoint);
    }

    [Fact]
    public void Measure_ScaledInput_RangeIsTheScaledImagesRangeOverEveryBatch()
    {
        using var scope = NewDisposeScope();
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        model.Graph.Input.Add(FloatInput("images", -1, 1, 2, 2));
        model.Graph.Initializer.Add(InitializerData.Create("two", [2f]));
        var mul = new NodeProto { OpType = "Mul", Name = "mul" };
        mul.Input.AddRange(["images", "two"]);
        mul.Output.Add("doubled");
        var relu = new NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("doubled");
        relu.Output.Add("logits");
        model.Graph.Node.AddRange([mul, relu]);
        model.Graph.Output.Add(FloatInput("logits", -1, 1, 2, 2));
        var images = randn(7, 1, 2, 2);

        var ranges = ActivationCalibration.Measure(model, ["doubled"], images, batchSize: 3);

        ranges["doubled"].Min.Should().Be(2 * images.min().item<float>());
        ranges["doubled"].Max.Should().Be(2 * images.max().item<float>());
        model.Graph.Output.Should().ContainSingle("the graph itself is left unchanged");
    }

    private static ValueInfoProto FloatInput(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }
}
