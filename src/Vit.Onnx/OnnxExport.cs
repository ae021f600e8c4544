using Google.Protobuf;
using Onnx;
using Vit.Core;

namespace Vit.Onnx;

/// <summary>Writes a <see cref="VisionTransformer"/> as an ONNX graph (TorchSharp has no ONNX exporter, so Vit writes the graph itself).</summary>
public static class OnnxExport
{
    /// <summary>The input's name: float32 images <c>[N, C, H, W]</c>, normalised as the model was trained.</summary>
    public const string InputName = "images";

    /// <summary>The output's name: float32 logits <c>[N, NumClasses]</c> (pooled features when <c>NumClasses</c> is 0).</summary>
    public const string OutputName = "logits";

    /// <summary>
    /// Exports the model in evaluation mode (no dropout) to an ONNX file that ONNX Runtime fuses: LayerNormalization
    /// nodes, the exact Erf-GELU pattern, MatMul+Add pairs and one attention pattern per block. Class-token and mean
    /// pooling, LayerScale and every preset are supported; the file is written whole and renamed into place.
    /// </summary>
    /// <param name="model">The model (any device and floating dtype; weights are written as float32).</param>
    /// <param name="path">The <c>.onnx</c> file to write.</param>
    /// <param name="options">Opset, batch dimension, operators; <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (one failure per bad field).</exception>
    /// <exception cref="NotSupportedException">The model uses a building block the export cannot express yet (the message names each option).</exception>
    public static void ExportOnnx(this VisionTransformer model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OnnxExportOptions();
        new OptionsValidator<OnnxExportOptions>().ThrowIfInvalid(options);
        var proto = VisionTransformerGraph.Build(model, options);
        WriteAtomically(path, proto.ToByteArray());
    }

    /// <summary>Exports the model to ONNX bytes in memory (see <see cref="ExportOnnx(VisionTransformer, string, OnnxExportOptions?)"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Opset, batch dimension, operators; <see langword="null"/> for the defaults.</param>
    /// <returns>The serialized ONNX model.</returns>
    /// <exception cref="NotSupportedException">The model uses a building block the export cannot express yet (the message names each option).</exception>
    public static byte[] ToOnnxBytes(this VisionTransformer model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        new OptionsValidator<OnnxExportOptions>().ThrowIfInvalid(options);
        return VisionTransformerGraph.Build(model, options).ToByteArray();
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        string temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
