using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// Measures the range of chosen tensors of a float32 graph on calibration images: the graph gets them as extra outputs
/// and ONNX Runtime runs it batch by batch, so the ranges are those of the very graph being quantized (folded
/// constants and all).
/// </summary>
internal static class ActivationCalibration
{
    /// <summary>The range of each tensor in <paramref name="tensorNames"/> over every image.</summary>
    /// <param name="model">The float32 graph (left unchanged).</param>
    /// <param name="tensorNames">Tensors the graph computes.</param>
    /// <param name="images">Float32 <c>[N, C, H, W]</c>, N at least 1.</param>
    /// <param name="batchSize">Images per run (a fixed-batch graph runs its own batch size).</param>
    public static Dictionary<string, ActivationRange> Measure(ModelProto model, IReadOnlyCollection<string> tensorNames, Tensor images, int batchSize)
    {
        if (InitializerData.Bytes(model.Graph) > OnnxFileWriter.SingleFileLimitBytes)
        {
            throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
                $"Int8Static calibrates in memory, which holds at most {OnnxFileWriter.SingleFileLimitBytes:N0} bytes of weights; this model has {InitializerData.Bytes(model.Graph):N0}. Use Int8Dynamic, which needs no calibration."));
        }

        var probe = model.Clone();
        var outputs = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string name in tensorNames.Where(n => !outputs.Contains(n)))
        {
            probe.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        }

        long fixedBatch = probe.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue;
        int step = fixedBatch > 0 ? (int)fixedBatch : batchSize;
        var ranges = tensorNames.ToDictionary(n => n, _ => new ActivationRange(float.PositiveInfinity, float.NegativeInfinity), StringComparer.Ordinal);
        string[] names = [.. tensorNames];
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        using var run = new RunOptions();
        long count = images.shape[0];
        for (long start = 0; start < count; start += step)
        {
            using var scope = NewDisposeScope();
            var batch = images.narrow(0, start, Math.Min(step, count - start));
            if (fixedBatch > 0 && batch.shape[0] < step)
            {
                // A fixed-batch graph: fill the batch by repeating its images; repeats cannot change a min/max range.
                using var end = step.ToScalar();
                using var available = batch.shape[0].ToScalar();
                batch = batch.index_select(0, arange(end, ScalarType.Int64).remainder(available));
            }

            float[] values = batch.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(values, batch.shape);
            using var results = session.Run(run, [OnnxExport.InputName], [input], names);
            for (int i = 0; i < names.Length; i++)
            {
                ranges[names[i]] = ranges[names[i]].Include(results[i].GetTensorDataAsSpan<float>());
            }
        }

        return ranges;
    }
}
