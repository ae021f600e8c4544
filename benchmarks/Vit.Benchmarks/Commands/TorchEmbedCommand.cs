using System.Globalization;
using Vit.Benchmarks.Measurement;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Benchmarks.Commands;

/// <summary>
/// <c>embed --engine torch</c>: times Vit's TorchSharp embeddings, <c>ForwardHead(ForwardFeatures(x), preLogits: true)</c>
/// under <c>no_grad</c> in a dispose scope, on the weights of an export-onnx folder.
/// </summary>
internal static class TorchEmbedCommand
{
    public static int Run(Arguments args)
    {
        string folder = args.String("model-dir", string.Empty);
        int batch = args.Int("batch", 64);
        int steps = args.Int("steps", 10);
        int warmup = args.Int("warmup", 3);
        ModelArguments.ApplyRuntimeSettings(args);
        args.ThrowIfUnused();
        if (folder.Length == 0 || steps < 1 || batch < 1)
        {
            throw new ArgumentException("embed --engine torch needs --model-dir DIR (from export-onnx), --steps >= 1 and --batch >= 1.");
        }

        using var model = VisionTransformer.FromPretrained(folder);
        var o = model.Options;
        using var images = randn(batch, o.InChannels, o.ImageSize, o.ImageSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# torch_threads={get_num_threads()} dimension={o.EmbedDim} load_average_1m={MachineInfo.LoadAverage():F2}"));
        var times = Timing.Measure(
            () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var features = model.ForwardFeatures(images);
                _ = model.ForwardHead(features, preLogits: true);
            },
            warmup,
            steps);
        Timing.Report(batch, times, libtorchLoaded: true);
        return 0;
    }
}
