using System.ComponentModel.DataAnnotations;

namespace Vit.Onnx;

/// <summary>How <see cref="OnnxExport.ExportOnnx(Vit.Core.VisionTransformer, string, OnnxExportOptions?)"/> writes the graph. Validated by Vit.Core's <see cref="Vit.Core.OptionsValidator{TOptions}"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// Gets or sets the ONNX opset. From 23 attention is the standard <c>Attention</c> operator (one kernel in ONNX
    /// Runtime, the fastest graph measured: docs/deployment.md); 17–22 write it as MatMul/Softmax, for runtimes and
    /// tools without opset 23 (17 introduced LayerNormalization, which ONNX Runtime runs as one kernel).
    /// </summary>
    /// <value>The default is 23.</value>
    [Range(17, 23)]
    public int Opset { get; set; } = 23;

    /// <summary>Gets or sets whether the batch dimension of <c>images</c> and of every output is symbolic (<c>N</c>); otherwise it is <see cref="BatchSize"/>.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool DynamicBatch { get; set; } = true;

    /// <summary>Gets or sets the fixed batch size when <see cref="DynamicBatch"/> is off.</summary>
    /// <value>The default is 1.</value>
    [Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether attention is written as ONNX Runtime's contrib <c>com.microsoft.Attention</c> (the q/k/v
    /// projection inside the kernel) instead of standard operators, at any opset. Only ONNX Runtime runs it; below
    /// opset 23 it is faster than MatMul/Softmax, at 23 the standard operator is as fast or faster.
    /// </summary>
    /// <value>The default is <see langword="false"/> (standard operators only).</value>
    public bool OnnxRuntimeAttention { get; set; }

    /// <summary>
    /// Gets or sets the precision of the weights and arithmetic (docs/deployment.md). Every precision takes float32
    /// <c>images</c> and gives float32 <c>logits</c>, so ImageClassifier loads each unchanged.
    /// </summary>
    /// <value>The default is <see cref="OnnxPrecision.Float32"/>.</value>
    [EnumDataType(typeof(OnnxPrecision))]
    public OnnxPrecision Precision { get; set; } = OnnxPrecision.Float32;

    /// <summary>Gets or sets whether the weights go beside the graph in <c>{file}.data</c> (ONNX's external data convention).</summary>
    /// <value>The default is <see cref="OnnxExternalData.Auto"/>: only when one file cannot hold them (over 2 GiB).</value>
    [EnumDataType(typeof(OnnxExternalData))]
    public OnnxExternalData ExternalData { get; set; } = OnnxExternalData.Auto;

    /// <summary>
    /// Gets or sets the graph outputs, any combination of <c>logits</c>, <c>embeddings</c> (timm's pre-logits) and
    /// <c>tokens</c> (every token after the final norm). Without <c>tokens</c> the last block computes only the rows
    /// the pooling reads; with it, every token.
    /// </summary>
    /// <value>The default is <see cref="OnnxOutputs.Logits"/>.</value>
    [EnumDataType(typeof(OnnxOutputs))]
    public OnnxOutputs Outputs { get; set; } = OnnxOutputs.Logits;

    /// <summary>
    /// Gets or sets the images <see cref="OnnxPrecision.Int8Static"/> measures the activation ranges on: float32
    /// <c>[N, C, H, W]</c> at the model's channels and size, preprocessed as for inference (normalised); a few dozen
    /// images like the ones the app will see. Only that precision reads them; the export does not dispose them.
    /// </summary>
    /// <value>The default is <see langword="null"/> (none).</value>
    public TorchSharp.torch.Tensor? CalibrationImages { get; set; }

    /// <summary>Gets or sets how many calibration images ONNX Runtime runs at once while measuring the ranges (memory, not results).</summary>
    /// <value>The default is 16.</value>
    [Range(1, 4096)]
    public int CalibrationBatchSize { get; set; } = 16;
}
