using TorchSharp;
using Vit.Core;
using Vit.Onnx;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>export-onnx</c>: writes a seeded random model of the given shape as a model folder (config.json,
/// model.safetensors) with Vit's ONNX graph in its three attention forms, for <c>inference --engine torch|onnx</c> and
/// for making PyTorch's exporter's graph of the same weights by hand (BENCHMARKS.md).
/// </summary>
internal static class ExportOnnxCommand
{
    public const string StandardFile = "model.onnx";
    public const string Opset17File = "model-opset17.onnx";
    public const string FusedAttentionFile = "model-ort-attention.onnx";
    public const string EmbeddingsFile = "model-embeddings.onnx";

    public static int Run(Arguments args)
    {
        var options = ModelArguments.Read(args);
        string output = args.String("out", string.Empty);
        int seed = args.Int("seed", 0);
        args.ThrowIfUnused();
        if (output.Length == 0)
        {
            throw new ArgumentException("export-onnx needs --out DIR.");
        }

        torch.manual_seed(seed);
        using var model = new VisionTransformer(options);
        model.eval();
        model.SavePretrained(output, new PretrainedMetadata { CropPct = 1.0, Interpolation = ResizeInterpolation.Bilinear });
        model.ExportOnnx(Path.Combine(output, StandardFile));
        model.ExportOnnx(Path.Combine(output, Opset17File), new OnnxExportOptions { Opset = 17 });
        model.ExportOnnx(Path.Combine(output, FusedAttentionFile), new OnnxExportOptions { Opset = 17, OnnxRuntimeAttention = true });
        model.ExportOnnx(Path.Combine(output, EmbeddingsFile), new OnnxExportOptions { Outputs = OnnxOutputs.Embeddings });
        Console.WriteLine($"# wrote {output}: config.json, model.safetensors, {StandardFile} (opset 23), {Opset17File} (MatMul/Softmax attention), {FusedAttentionFile} (opset 17 + com.microsoft.Attention), {EmbeddingsFile} (opset 23, output embeddings) ({model.parameters().Sum(p => p.numel()):N0} parameters, seed {seed})");
        return 0;
    }
}
