using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vit.Benchmarks.Measurement;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>onnx-profile</c>: ONNX Runtime's own profiler (<see cref="SessionOptions.EnableProfiling"/>) on one graph, its
/// node events summed by operator over the timed runs: where a graph's time goes (e.g. int8's quantize and GEMM
/// kernels against float32's). No libtorch in the process.
/// </summary>
internal static class OnnxProfileCommand
{
    public static int Run(Arguments args)
    {
        string path = args.String("file", string.Empty);
        int batch = args.Int("batch", 1);
        int runs = args.Int("runs", 10);
        int threads = args.Int("threads", 2);
        args.ThrowIfUnused();
        if (path.Length == 0 || batch < 1 || runs < 1)
        {
            throw new ArgumentException("onnx-profile needs --file MODEL.onnx, --batch >= 1 and --runs >= 1.");
        }

        string prefix = Path.Combine(Path.GetTempPath(), $"vit-onnx-profile-{Environment.ProcessId}");
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            EnableProfiling = true,
            ProfileOutputPathPrefix = prefix,
        };
        string trace;
        using (var session = new InferenceSession(path, options))
        {
            var input = session.InputMetadata.Single();
            int[] dims = [batch, .. input.Value.Dimensions[1..]];
            var random = new Random(0);
            var images = new float[dims.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < images.Length; i++)
            {
                images[i] = (float)((random.NextDouble() * 2) - 1);
            }

            var feed = new[] { NamedOnnxValue.CreateFromTensor(input.Key, new DenseTensor<float>(images, dims)) };
            for (int r = 0; r <= runs; r++)
            {
                using var results = session.Run(feed);
            }

            trace = session.EndProfiling();
        }

        var byOperator = new Dictionary<string, (double Microseconds, int Count)>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(File.ReadAllText(trace)))
        {
            foreach (var e in document.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
                {
                    continue;
                }

                string op = e.GetProperty("args").GetProperty("op_name").GetString()!;
                var (us, count) = byOperator.GetValueOrDefault(op);
                byOperator[op] = (us + e.GetProperty("dur").GetDouble(), count + 1);
            }
        }

        File.Delete(trace);
        double total = byOperator.Values.Sum(v => v.Microseconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# file={Path.GetFileName(path)} batch={batch} runs={runs} (+1 warm-up run, in the sums) ort_threads={threads} load_average_1m={MachineInfo.LoadAverage():F2} kernel_ms_per_run={total / 1000 / (runs + 1):F2}"));
        foreach (var (op, (us, count)) in byOperator.OrderByDescending(kv => kv.Value.Microseconds))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"op={op} ms_per_run={us / 1000 / (runs + 1):F3} share={us / total:P1} nodes_per_run={count / (runs + 1)}"));
        }

        return 0;
    }
}
