using TorchSharp;
using Vit.Core;
using Vit.Data;
using Vit.Onnx;
using Vit.Samples.FashionMnist;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>export-onnx</c>: writes a seeded random model of the given shape as a model folder (config.json,
/// model.safetensors) with Vit's ONNX graph in its three attention forms, for <c>inference --engine torch|onnx</c> and
/// for making PyTorch's exporter's graph of the same weights by hand (BENCHMARKS.md). <c>--precisions int8,int8-static,fp16</c>
/// adds the standard graph in those precisions (<see cref="Int8File"/>, <see cref="Float16File"/>); <c>--only-standard</c>
/// skips the two other attention forms; <c>--graph-only</c> writes no config.json/safetensors (a 2.5 GB ViT-H need not);
/// <c>--external-data auto|always|never</c> is <see cref="OnnxExportOptions.ExternalData"/>; <c>--calibration-images N</c> calibrates int8-static on Fashion-MNIST's first N training images instead of noise; <c>--from DIR</c> exports a
/// trained model folder (e.g. the sample's run) instead of a random model of the given shape.
/// </summary>
internal static class ExportOnnxCommand
{
    public const string StandardFile = "model.onnx";
    public const string Opset17File = "model-opset17.onnx";
    public const string FusedAttentionFile = "model-ort-attention.onnx";
    public const string Int8File = "model-int8.onnx";
    public const string Float16File = "model-fp16.onnx";
    public const string Int8StaticFile = "model-int8-static.onnx";
    public const string EmbeddingsFile = "model-embeddings.onnx";

    public static int Run(Arguments args)
    {
        string from = args.String("from", string.Empty);
        var options = from.Length == 0 ? ModelArguments.Read(args) : null;
        string output = args.String("out", string.Empty);
        int seed = args.Int("seed", 0);
        string[] precisions = args.String("precisions", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool onlyStandard = args.Flag("only-standard");
        bool graphOnly = args.Flag("graph-only");
        int calibrationImages = args.Int("calibration-images", 0);
        var external = args.String("external-data", "auto") switch
        {
            "auto" => OnnxExternalData.Auto,
            "always" => OnnxExternalData.Always,
            "never" => OnnxExternalData.Never,
            string other => throw new ArgumentException($"--external-data must be auto, always or never; got '{other}'."),
        };
        var extra = precisions.Select(p => p switch
        {
            "int8" => (File: Int8File, Precision: OnnxPrecision.Int8Dynamic),
            "fp16" => (File: Float16File, Precision: OnnxPrecision.Float16),
            "int8-static" => (File: Int8StaticFile, Precision: OnnxPrecision.Int8Static),
            _ => throw new ArgumentException($"--precisions takes int8, int8-static and fp16; got '{p}'."),
        }).ToArray();
        args.ThrowIfUnused();
        if (output.Length == 0)
        {
            throw new ArgumentException("export-onnx needs --out DIR.");
        }

        torch.manual_seed(seed);
        using var model = options is null ? VisionTransformer.FromPretrained(from) : new VisionTransformer(options);
        model.eval();
        if (!graphOnly)
        {
            model.SavePretrained(output, new PretrainedMetadata { CropPct = 1.0, Interpolation = ResizeInterpolation.Bilinear });
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        model.ExportOnnx(Path.Combine(output, StandardFile), new OnnxExportOptions { ExternalData = external });
        Console.WriteLine($"# {StandardFile} (opset 23) in {watch.Elapsed.TotalSeconds:F1} s");
        if (!onlyStandard)
        {
            model.ExportOnnx(Path.Combine(output, Opset17File), new OnnxExportOptions { Opset = 17, ExternalData = external });
            model.ExportOnnx(Path.Combine(output, FusedAttentionFile), new OnnxExportOptions { Opset = 17, OnnxRuntimeAttention = true, ExternalData = external });
            model.ExportOnnx(Path.Combine(output, EmbeddingsFile), new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings, ExternalData = external });
        }

        foreach (var (file, precision) in extra)
        {
            // Static int8's calibration: 32 seeded noise images (speed does not depend on the values), or real ones for accuracy.
            using var calibration = precision != OnnxPrecision.Int8Static ? null
                : calibrationImages > 0 ? CalibrationFashionMnist(model.Options, from.Length > 0 ? from : output, calibrationImages) : CalibrationNoise(model.Options, seed);
            model.ExportOnnx(Path.Combine(output, file), new OnnxExportOptions { Precision = precision, ExternalData = external, CalibrationImages = calibration });
        }

        Console.WriteLine($"# wrote {output}: {(graphOnly ? string.Empty : "config.json, model.safetensors, ")}{StandardFile} (opset 23){(onlyStandard ? string.Empty : $", {Opset17File} (MatMul/Softmax attention), {FusedAttentionFile} (opset 17 + com.microsoft.Attention), {EmbeddingsFile} (output embeddings)")}{string.Concat(extra.Select(e => $", {e.File} ({e.Precision})"))} ({model.parameters().Sum(p => p.numel()):N0} parameters, seed {seed})");
        return 0;
    }

    /// <summary>The first <paramref name="count"/> images of Fashion-MNIST's training split, normalised as the folder says, resized to the model and repeated over its channels.</summary>
    private static torch.Tensor CalibrationFashionMnist(VisionTransformerOptions options, string folder, int count)
    {
        string directory = ShippedFashionMnist.FindDirectory() ?? throw new ArgumentException($"--calibration-images reads the shipped Fashion-MNIST ({ShippedFashionMnist.RelativeDirectory}), which was not found.");
        using var train = FashionMnist.LoadTrain(directory);
        var (raw, _) = train.GetBatch([.. Enumerable.Range(0, count)]);
        var (mean, std) = OnnxAgreementCommand.Statistics(folder);
        var images = ((raw.to_type(torch.ScalarType.Float32) / 255f) - mean) / std;
        if (images.shape[2] != options.ImageSize)
        {
            images = torch.nn.functional.interpolate(images, [options.ImageSize, options.ImageSize], mode: torch.InterpolationMode.Bilinear, align_corners: false);
        }

        return images.expand(count, options.InChannels, options.ImageSize, options.ImageSize).contiguous();
    }

    private static torch.Tensor CalibrationNoise(VisionTransformerOptions options, int seed)
    {
        torch.manual_seed(seed + 1);
        return torch.randn(32, options.InChannels, options.ImageSize, options.ImageSize);
    }
}
