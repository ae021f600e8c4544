using System.ComponentModel.DataAnnotations;

namespace Vit.Onnx;

/// <summary>How <see cref="OnnxExport.ExportOnnx(Vit.Core.VisionTransformer, string, OnnxExportOptions?)"/> writes the graph. Validated by Vit.Core's <see cref="Vit.Core.OptionsValidator{TOptions}"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>Gets or sets the ONNX opset (17 introduced LayerNormalization, which ONNX Runtime runs as one kernel).</summary>
    /// <value>The default is 17.</value>
    [Range(17, 23)]
    public int Opset { get; set; } = 17;

    /// <summary>Gets or sets whether the batch dimension of <c>images</c> and <c>logits</c> is symbolic (<c>N</c>); otherwise it is <see cref="BatchSize"/>.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool DynamicBatch { get; set; } = true;

    /// <summary>Gets or sets the fixed batch size when <see cref="DynamicBatch"/> is off.</summary>
    /// <value>The default is 1.</value>
    [Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether attention is written as ONNX Runtime's fused <c>com.microsoft.MultiHeadAttention</c>
    /// operator instead of standard MatMul/Softmax nodes. Faster in ONNX Runtime; other runtimes may not know the operator.
    /// </summary>
    /// <value>The default is <see langword="false"/> (standard operators only).</value>
    public bool OnnxRuntimeAttention { get; set; }
}
