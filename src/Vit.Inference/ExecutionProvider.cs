namespace Vit.Inference;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum ExecutionProvider
{
    /// <summary>CUDA when the loaded ONNX Runtime has it (the app references Microsoft.ML.OnnxRuntime.Gpu), else the CPU.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>CUDA; fails when the loaded ONNX Runtime has no CUDA execution provider.</summary>
    Cuda,
}
