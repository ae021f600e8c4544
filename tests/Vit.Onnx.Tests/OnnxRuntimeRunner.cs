using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Onnx.Tests;

/// <summary>Runs an exported graph in ONNX Runtime (all graph optimisations on, as an app would) on TorchSharp tensors.</summary>
internal static class OnnxRuntimeRunner
{
    public static SessionOptions Options(string? optimizedModelPath = null)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1 };
        if (optimizedModelPath is not null)
        {
            options.OptimizedModelFilePath = optimizedModelPath;
        }

        return options;
    }

    /// <summary>Logits for float32 images [N, C, H, W], as a [N, K] CPU tensor.</summary>
    public static Tensor Run(byte[] model, Tensor images)
    {
        using var options = Options();
        using var session = new InferenceSession(model, options);
        return Run(session, images);
    }

    public static Tensor Run(InferenceSession session, Tensor images)
    {
        var input = images.contiguous().cpu();
        var dense = new DenseTensor<float>(input.data<float>().ToArray(), [.. input.shape.Select(v => (int)v)]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName, dense)]);
        var logits = results.Single(r => r.Name == OnnxExport.OutputName).AsTensor<float>();
        return tensor(logits.ToArray(), [.. logits.Dimensions.ToArray().Select(v => (long)v)]);
    }

    /// <summary>Every output of the session for float32 images, by name, as CPU tensors.</summary>
    public static Dictionary<string, Tensor> RunAll(InferenceSession session, Tensor images)
    {
        var input = images.contiguous().cpu();
        var dense = new DenseTensor<float>(input.data<float>().ToArray(), [.. input.shape.Select(v => (int)v)]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName, dense)]);
        return results.ToDictionary(r => r.Name, r =>
        {
            var values = r.AsTensor<float>();
            return tensor(values.ToArray(), [.. values.Dimensions.ToArray().Select(v => (long)v)]);
        });
    }
}
