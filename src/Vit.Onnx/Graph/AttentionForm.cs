namespace Vit.Onnx;

/// <summary>How a block's attention is written (measured in ONNX Runtime 1.31.1: docs/deployment.md, BENCHMARKS.md).</summary>
internal enum AttentionForm
{
    /// <summary>Standard MatMul/Softmax operators (opsets 17–22): runs anywhere, the ONNX checker of onnx 1.12 passes it.</summary>
    MatMulSoftmax,

    /// <summary>The standard <c>Attention</c> operator of opset 23, one kernel in ONNX Runtime.</summary>
    OnnxAttention,

    /// <summary>ONNX Runtime's contrib <c>com.microsoft.Attention</c> with the packed q/k/v projection inside it.</summary>
    OnnxRuntimeContrib,
}
