using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vit.Benchmarks.Measurement;
using Vit.Data;
using Vit.Samples.FashionMnist;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>onnx-agreement</c>: runs ONNX graphs (e.g. float32, int8, float16 of one model) on real Fashion-MNIST images
/// and compares each with the first: top-1 on the labels (10-wide outputs), argmax agreement and cosine similarity of
/// the output rows (embeddings), and seconds per batch. The images are the sample's held-out 2,000 (<c>--held-out</c>)
/// or the first <c>--images</c> of the test split, normalised with the folder's config.json mean/std, centre-padded
/// or resized (bilinear) to the graph's input and repeated over its channels.
/// </summary>
internal static class OnnxAgreementCommand
{
    public static int Run(Arguments args)
    {
        string folder = args.String("model-dir", string.Empty);
        string[] files = args.String("files", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int count = args.Int("images", 1000);
        bool heldOut = args.Flag("held-out");
        int batch = args.Int("batch", 50);
        int threads = args.Int("threads", 2);
        string? data = args.String("data", string.Empty) is { Length: > 0 } d ? d : null;
        args.ThrowIfUnused();
        if (folder.Length == 0 || files.Length < 1 || batch < 1 || count < 1)
        {
            throw new ArgumentException("onnx-agreement needs --model-dir DIR --files A.onnx[,B.onnx,...] (the first is the reference), --batch and --images >= 1.");
        }

        var sessions = files.Select(f => Open(Path.Combine(folder, f), threads)).ToArray();
        try
        {
            var (images, labels) = Images(folder, sessions[0], data, heldOut, count);
            var outputs = sessions.Select(_ => new List<float[]>()).ToArray();
            var seconds = new double[sessions.Length];
            int n = (int)images.shape[0];
            for (int start = 0; start < n; start += batch)
            {
                int size = Math.Min(batch, n - start);
                var chunk = images[start..(start + size)].contiguous().data<float>().ToArray();
                for (int s = 0; s < sessions.Length; s++)
                {
                    long begin = Stopwatch.GetTimestamp();
                    outputs[s].AddRange(Rows(sessions[s], chunk, size));
                    seconds[s] += Stopwatch.GetElapsedTime(begin).TotalSeconds;
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# cpu=\"{OnnxInferenceCommand.Cpu()}\" images={n} ({(heldOut ? "the sample's held-out split" : "the test split's first")}) batch={batch} ort_threads={threads} load_average_1m={MachineInfo.LoadAverage():F2}"));
            for (int s = 0; s < sessions.Length; s++)
            {
                var rows = outputs[s];
                var reference = outputs[0];
                var cosines = rows.Select((r, i) => Cosine(r, reference[i])).Order().ToArray();
                double agreement = rows.Select((r, i) => ArgMax(r) == ArgMax(reference[i]) ? 1.0 : 0.0).Average();
                double maxDifference = rows.Select((r, i) => r.Zip(reference[i], (a, b) => Math.Abs(a - b)).Max()).Max();
                string top1 = rows[0].Length == FashionMnist.ClassNames.Count
                    ? string.Create(CultureInfo.InvariantCulture, $" top1={rows.Select((r, i) => ArgMax(r) == labels[i] ? 1.0 : 0.0).Average():F4}")
                    : string.Empty;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"file={files[s]}{top1} argmax_agreement={agreement:F4} cosine_mean={cosines.Average():F5} cosine_min={cosines[0]:F5} cosine_median={cosines[cosines.Length / 2]:F5} cosine_p01={cosines[cosines.Length / 100]:F5} max_abs_diff={maxDifference:E3} seconds_per_batch={seconds[s] / Math.Ceiling((double)n / batch):F3} file_mb={FileMegabytes(folder, files[s]):F1}"));
            }

            return 0;
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    private static InferenceSession Open(string path, int threads)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        return new InferenceSession(path, options);
    }

    /// <summary>The graph file plus its external data, if any.</summary>
    private static double FileMegabytes(string folder, string file)
    {
        string path = Path.Combine(folder, file);
        long bytes = new FileInfo(path).Length + (File.Exists(path + ".data") ? new FileInfo(path + ".data").Length : 0);
        return bytes / 1e6;
    }

    private static (Tensor Images, long[] Labels) Images(string folder, InferenceSession session, string? data, bool heldOut, int count)
    {
        string directory = data ?? ShippedFashionMnist.FindDirectory() ?? throw new ArgumentException($"The shipped Fashion-MNIST split ({ShippedFashionMnist.RelativeDirectory}) was not found; pass --data DIR.");
        using var test = FashionMnist.LoadTest(directory);
        IImageDataset source = heldOut ? ShippedFashionMnist.Split(test).HeldOut : test;
        int n = heldOut ? source.Count : Math.Min(count, source.Count);
        var (raw, labels) = source.GetBatch(Enumerable.Range(0, n).ToArray());
        var (mean, std) = Statistics(folder);
        var images = ((raw.to_type(ScalarType.Float32) / 255f) - mean) / std;
        int[] input = session.InputMetadata.Values.Single().Dimensions;
        int channels = input[1], side = input[2];
        long extra = side - images.shape[2], before = extra / 2, after = extra - before;
        if (extra != 0)
        {
            // Centre-pad up to the next patch multiple as the sample does; resize when the graph is much larger (an ImageNet shape).
            images = extra is > 0 and < 8
                ? nn.functional.pad(images, [before, after, before, after])
                : nn.functional.interpolate(images, [side, side], mode: InterpolationMode.Bilinear, align_corners: false);
        }

        return (images.expand(n, channels, side, side).contiguous(), labels.data<long>().ToArray());
    }

    /// <summary>The folder's normalisation (first channel): timm's pretrained_cfg, else transformers' preprocessor_config.json, else the [-1, 1] mapping.</summary>
    internal static (float Mean, float Std) Statistics(string folder)
    {
        string path = Path.Combine(folder, "config.json"), processor = Path.Combine(folder, "preprocessor_config.json");
        if (File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))!["pretrained_cfg"] is { } cfg)
        {
            return ((float)cfg["mean"]![0]!, (float)cfg["std"]![0]!);
        }

        if (File.Exists(processor))
        {
            var hf = JsonNode.Parse(File.ReadAllText(processor))!;
            return ((float)hf["image_mean"]![0]!, (float)hf["image_std"]![0]!);
        }

        return (0.5f, 0.5f);
    }

    private static List<float[]> Rows(InferenceSession session, float[] images, int batch)
    {
        var metadata = session.InputMetadata.Single();
        int[] dims = [batch, .. metadata.Value.Dimensions[1..]];
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(metadata.Key, new DenseTensor<float>(images, dims))]);
        var output = results[0].AsTensor<float>();
        int width = output.Dimensions[1];
        var values = output.ToArray();
        return Enumerable.Range(0, batch).Select(i => values.AsSpan(i * width, width).ToArray()).ToList();
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static int ArgMax(float[] row) => Array.IndexOf(row, row.Max());
}
