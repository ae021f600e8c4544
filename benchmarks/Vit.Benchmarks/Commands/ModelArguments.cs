using Vit.Core;

namespace Vit.Benchmarks.Commands;

/// <summary>The architecture options shared by <c>train-step</c>, <c>inference</c> and <c>memory</c>; defaults are the origin width on Fashion-MNIST.</summary>
internal static class ModelArguments
{
    public static VisionTransformerOptions Read(Arguments args) => new()
    {
        Depth = args.Int("depth", 6),
        EmbedDim = args.Int("dim", 384),
        NumHeads = args.Int("heads", 6),
        MlpRatio = args.Double("mlp-ratio", 4),
        PatchSize = args.Int("patch", 4),
        ImageSize = args.Int("image", 28),
        InChannels = args.Int("channels", 1),
        NumClasses = args.Int("classes", 10),
        Pooling = args.String("pooling", "token") switch
        {
            "token" => Pooling.ClassToken,
            "mean" => Pooling.Mean,
            string other => throw new ArgumentException($"--pooling must be token or mean; got '{other}'."),
        },
    };

    /// <summary>
    /// Applies <c>--cpu-attention-fp32</c>, <c>--threads</c> and <c>--interop-threads</c> when given (libtorch's defaults otherwise), and
    /// <c>--allocator retain|system</c>: whether glibc keeps freed tensor memory for reuse (<see cref="CpuMemory"/>;
    /// process-wide, so a compared baseline gets the same).
    /// </summary>
    public static void ApplyRuntimeSettings(Arguments args)
    {
        // Autocast.CpuAttentionInFloat32 for the whole run (hand-step --compare-attention sets it per subject).
        if (args.Flag("cpu-attention-fp32"))
        {
            Autocast.CpuAttentionInFloat32 = true;
        }

        string allocator = args.String("allocator", "retain");
        if (allocator == "retain")
        {
            CpuMemory.RetainFreedMemory();
        }
        else if (allocator == "system")
        {
            // Also stops the Trainer from turning retention on (it reads the same switch).
            Environment.SetEnvironmentVariable(CpuMemory.OptOutVariable, "0");
        }
        else
        {
            throw new ArgumentException($"--allocator must be retain or system; got '{allocator}'.");
        }

        int threads = args.Int("threads", 0);
        if (threads > 0)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        int interop = args.Int("interop-threads", 0);
        if (interop > 0)
        {
            TorchSharp.torch.set_num_interop_threads(interop);
        }
    }
}
