using System.Diagnostics.CodeAnalysis;

namespace Vit.Onnx;

/// <summary>The numbers an exported graph computes with (docs/deployment.md: what each is for, measured).</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The precisions are named after the element types they store, as ONNX and TorchSharp name them.")]
public enum OnnxPrecision
{
    /// <summary>float32 weights and arithmetic: the reference every other precision is measured against.</summary>
    Float32,

    /// <summary>
    /// float16 weights and arithmetic, for GPUs; <c>images</c> and <c>logits</c> stay float32 (casts at both ends), so
    /// apps feed and read the same buffers. ONNX Runtime's CPU provider runs it, slowly, casting where it lacks fp16 kernels.
    /// </summary>
    Float16,

    /// <summary>
    /// Dynamic int8: every linear layer's weights are int8, symmetric, one scale per output channel; its input is
    /// quantized per batch at run time (ONNX Runtime's <c>com.microsoft.DynamicQuantizeMatMul</c>, VNNI kernels on CPUs
    /// that have them). Patch embedding, LayerNorm, attention, softmax and GELU stay float32.
    /// </summary>
    Int8Dynamic,

    /// <summary>
    /// Static int8: the linear layers' weights as in <see cref="Int8Dynamic"/>, their inputs quantized to uint8 with one
    /// scale and zero point per tensor fixed at export from <see cref="OnnxExportOptions.CalibrationImages"/>
    /// (<c>QuantizeLinear</c> shared by the layers that read the same tensor, then <c>com.microsoft.MatMulIntegerToFloat</c>).
    /// Measured no faster than <see cref="Int8Dynamic"/> on an AVX-512 VNNI CPU (docs/deployment.md): prefer dynamic.
    /// </summary>
    Int8Static,
}
