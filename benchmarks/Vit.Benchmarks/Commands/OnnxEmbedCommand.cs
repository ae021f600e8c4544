using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Inference;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>embed --engine onnx</c>: times <see cref="ImageEmbedder.EmbedPrepared"/> (one session, the graph's
/// <c>embeddings</c> output) on a random prepared batch, in a process that never loads libtorch.
/// </summary>
internal static class OnnxEmbedCommand
{
    public static int Run(Arguments args)
    {
        string folder = args.String("model-dir", string.Empty);
        string file = args.String("onnx-file", ExportOnnxCommand.EmbeddingsFile);
        int batch = args.Int("batch", 64);
        int steps = args.Int("steps", 10);
        int warmup = args.Int("warmup", 3);
        int threads = args.Int("threads", Environment.ProcessorCount);
        args.ThrowIfUnused();
        if (folder.Length == 0 || steps < 1 || batch < 1)
        {
            throw new ArgumentException("embed --engine onnx needs --model-dir DIR (from export-onnx), --steps >= 1 and --batch >= 1.");
        }

        using var embedder = ImageEmbedder.Load(folder, new ImageEmbedderOptions { ModelFileName = file, IntraOpNumThreads = threads });
        var random = new Random(0);
        var images = new float[batch * embedder.Channels * embedder.Height * embedder.Width];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# cpu=\"{OnnxInferenceCommand.Cpu()}\" ort_threads={threads} file={file} dimension={embedder.Dimension} load_average_1m={MachineInfo.LoadAverage():F2}"));
        var times = Timing.Measure(() => embedder.EmbedPrepared(images, batch), warmup, steps);
        Timing.Report(batch, times, OnnxInferenceCommand.LibTorchLoaded());
        return 0;
    }
}
