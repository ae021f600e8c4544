namespace Vit.Onnx;

/// <summary>The operator domains Vit's graphs use besides ONNX's default one.</summary>
internal static class OnnxDomains
{
    /// <summary>ONNX Runtime's contrib operators (<c>MultiHeadAttention</c>, <c>DynamicQuantizeMatMul</c>, …), opset version 1.</summary>
    public const string Microsoft = "com.microsoft";
}
