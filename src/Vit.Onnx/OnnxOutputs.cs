namespace Vit.Onnx;

/// <summary>The graph outputs <see cref="OnnxExport.ExportOnnx(Vit.Core.VisionTransformer, string, OnnxExportOptions?)"/> writes; any combination.</summary>
[Flags]
public enum OnnxOutputs
{
    /// <summary><c>logits</c>, <c>[N, NumClasses]</c>: the classifier's output (the pooled features of a model without a classifier).</summary>
    Logits = 1,

    /// <summary><c>embeddings</c>, <c>[N, EmbedDim]</c>: timm's pre-logits, the pooled and normed features the classifier reads (<c>ForwardHead(features, preLogits: true)</c>).</summary>
    Embeddings = 2,

    /// <summary><c>tokens</c>, <c>[N, T, EmbedDim]</c>: every token after the final norm, prefix tokens first (<c>ForwardFeatures</c>).</summary>
    Tokens = 4,
}
