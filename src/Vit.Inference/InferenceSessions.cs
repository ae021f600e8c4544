using Microsoft.ML.OnnxRuntime;
using Vit.Input;

namespace Vit.Inference;

/// <summary>Opens a model folder's ONNX graph on the execution provider asked for (shared by the classifier and the embedder).</summary>
internal static class InferenceSessions
{
    /// <summary>Opens <paramref name="modelPath"/> with every graph optimisation on.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The path is not a regular file (a FIFO, a device, a folder), or ONNX Runtime cannot load the file.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for and this ONNX Runtime has none.</exception>
    public static (InferenceSession Session, string Provider) Open(string modelPath, string owner, ExecutionProvider provider, int deviceId, int threads)
    {
        RegularFile.ThrowIfSpecial(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"'{modelPath}' does not exist: {owner} needs the ONNX graph next to config.json (write it with model.ExportOnnx or `vit export`).", modelPath);
        }

        var (options, name) = CreateOptions(provider, deviceId, threads);
        try
        {
            return (new InferenceSession(modelPath, options), name);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{modelPath}' is not an ONNX model ONNX Runtime can load: {e.Message}", e);
        }
        finally
        {
            options.Dispose();
        }
    }

    private static (SessionOptions Options, string Provider) CreateOptions(ExecutionProvider provider, int deviceId, int threads)
    {
        var session = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        bool hasCuda = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider", StringComparer.Ordinal);
        if (provider == ExecutionProvider.Cuda && !hasCuda)
        {
            session.Dispose();
            throw new InvalidOperationException("ExecutionProvider is Cuda, but the loaded ONNX Runtime has no CUDAExecutionProvider: reference Microsoft.ML.OnnxRuntime.Gpu instead of the CPU build (see the Vit.Inference README).");
        }

        if (provider != ExecutionProvider.Cpu && hasCuda)
        {
            try
            {
                session.AppendExecutionProvider_CUDA(deviceId);
                return (session, "CUDAExecutionProvider");
            }
            catch (OnnxRuntimeException) when (provider == ExecutionProvider.Auto)
            {
                // The GPU build without a usable GPU or CUDA libraries: Auto falls back to the CPU.
            }
        }

        return (session, "CPUExecutionProvider");
    }
}
