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

    /// <summary>The name of the <see cref="OnnxOutputs.Embeddings"/> output: float32 pre-logits <c>[N, EmbedDim]</c>.</summary>
    public const string EmbeddingsName = "embeddings";

    /// <summary>The name of the <see cref="OnnxOutputs.Tokens"/> output: float32 tokens after the final norm <c>[N, T, EmbedDim]</c>.</summary>
    public const string TokensName = "tokens";

    /// <summary>The output names <paramref name="outputs"/> selects, in the graph's order (logits, embeddings, tokens).</summary>
    /// <param name="outputs">The outputs.</param>
    /// <returns>Their names.</returns>
    public static IReadOnlyList<string> OutputNames(OnnxOutputs outputs) =>
        [.. new[] { (OnnxOutputs.Logits, OutputName), (OnnxOutputs.Embeddings, EmbeddingsName), (OnnxOutputs.Tokens, TokensName) }
            .Where(o => outputs.HasFlag(o.Item1)).Select(o => o.Item2)];

    /// <summary>
    /// Exports the model in evaluation mode (no dropout) to an ONNX file that ONNX Runtime fuses: LayerNormalization
    /// nodes, the exact Erf-GELU pattern, MatMul+Add pairs and one attention pattern per block. Every architecture
    /// <see cref="VisionTransformer.FromPretrained(string)"/> loads is supported: class, register and distillation
    /// tokens, position embeddings with or without the prefix, pre-norm, fc_norm, class/mean/max/avg+max/attention
    /// pooling, qk-norm, scale norms, LayerNorm/RMSNorm, exact/tanh/quick GELU and SiLU, plain and SwiGLU MLPs,
    /// LayerScale; with <see cref="VisionTransformerOptions.DynamicImageSize"/> height and width are symbolic and the
    /// position embeddings are resampled in the graph (antialiased bicubic Resize, opset 18 or later). The outputs are <c>logits</c> unless
    /// <see cref="OnnxExportOptions.Outputs"/> asks for others. <see cref="OnnxExportOptions.Precision"/> converts the
    /// graph (float16, int8 dynamic); weights over 2 GiB go beside it in <c>{file}.data</c>. The files are written
    /// whole and renamed into place; a config.json of a Vit model folder beside them records the file's precision
    /// (<c>onnx_files</c>).
    /// </summary>
    /// <param name="model">The model (any device and floating dtype; weights are read as float32).</param>
    /// <param name="path">The <c>.onnx</c> file to write.</param>
    /// <param name="options">Opset, batch dimension, operators, precision; <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (one failure per bad field or combination).</exception>
    /// <exception cref="ArgumentException"><see cref="OnnxExportOptions.CalibrationImages"/> do not fit the model (channels, size).</exception>
    /// <exception cref="NotSupportedException">The precision cannot be applied to the graph's operators; or a dynamic-size model with an opset below 18, or OnnxRuntimeAttention on a model other than the classic block.</exception>
    /// <exception cref="InvalidOperationException">The weights exceed one file and <see cref="OnnxExportOptions.ExternalData"/> is <see cref="OnnxExternalData.Never"/>.</exception>
    public static void ExportOnnx(this VisionTransformer model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OnnxExportOptions();
        var proto = BuildGraph(model, options);
        bool external = OnnxFileWriter.UsesExternalData(proto, options.ExternalData);
        OnnxFileWriter.Write(proto, path, external, GraphPrecision.Name(options.Precision));
    }

    /// <summary>Exports the model to ONNX bytes in memory (see <see cref="ExportOnnx(VisionTransformer, string, OnnxExportOptions?)"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Opset, batch dimension, operators, precision; <see langword="null"/> for the defaults.</param>
    /// <returns>The serialized ONNX model.</returns>
    /// <exception cref="InvalidOperationException">The weights exceed what one ONNX file holds (export to a file, which writes them beside the graph), or external data was asked for.</exception>
    public static byte[] ToOnnxBytes(this VisionTransformer model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        var proto = BuildGraph(model, options);
        if (options.ExternalData == OnnxExternalData.Always || InitializerData.Bytes(proto.Graph) > OnnxFileWriter.SingleFileLimitBytes)
        {
            throw new InvalidOperationException($"ToOnnxBytes returns one in-memory graph, which cannot hold external data (ExternalData is {options.ExternalData}, weights {InitializerData.Bytes(proto.Graph):N0} bytes); use ExportOnnx to a file.");
        }

        return proto.ToByteArray();
    }

    private static ModelProto BuildGraph(VisionTransformer model, OnnxExportOptions options)
    {
        new OnnxExportOptionsValidator().ThrowIfInvalid(options);
        if (options.Precision == OnnxPrecision.Int8Static)
        {
            CalibrationImagesCheck.ThrowIfUnfit(options.CalibrationImages!, model.Options);
        }

        var proto = VisionTransformerGraph.Build(model, options);
        GraphPrecision.Apply(proto, options);
        return proto;
    }
}
