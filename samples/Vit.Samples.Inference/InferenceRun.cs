using System.Globalization;
using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Samples.Inference;

/// <summary>Loads the model, classifies every input, prints the top 5 and writes one rollout PNG per input.</summary>
internal static class InferenceRun
{
    public static int Execute(InferenceRequest request)
    {
        string modelFolder = ModelFolder(request.Model);
        return request.Engine == "onnx" ? OnnxInferenceRun.Execute(request, modelFolder) : ExecuteTorch(request, modelFolder);
    }

    /// <summary>The model folder <c>--model</c> names: the folder itself, or the folder of a file in it.</summary>
    public static string ModelFolder(string model)
    {
        string full = Path.GetFullPath(model);
        string folder = Directory.Exists(full) ? full : File.Exists(full) ? Path.GetDirectoryName(full)! : throw new UsageException($"--model '{model}' does not exist.");
        if (!File.Exists(Path.Combine(folder, VisionTransformer.PretrainedConfigFileName)))
        {
            throw new UsageException($"--model: '{folder}' has no {VisionTransformer.PretrainedConfigFileName}; pass the folder a Vit.Samples.FashionMnist run wrote (SavePretrained).");
        }

        return folder;
    }

    /// <summary>The side of the images the model was trained on: the input, or less when they were zero-padded into it (crop_pct above 1).</summary>
    public static int DataImageSize(VisionTransformerOptions options, PretrainedMetadata metadata) =>
        metadata.CropPct > 1 ? (int)Math.Floor(options.ImageSize / metadata.CropPct) : options.ImageSize;

    private static int ExecuteTorch(InferenceRequest request, string modelFolder)
    {
        VisionTransformerOptions options;
        PretrainedMetadata metadata;
        try
        {
            options = VisionTransformer.ReadPretrainedOptions(modelFolder);
            metadata = VisionTransformer.ReadPretrainedMetadata(modelFolder);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--model: {e.Message}", e);
        }

        string[] classNames = metadata.ClassNames!;
        int dataSize = DataImageSize(options, metadata);
        var device = request.Device switch
        {
            "cpu" => CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new UsageException("--device cuda: CUDA is not available with this build's TorchSharp backend."),
            _ => cuda.is_available() ? CUDA : CPU,
        };
        var inputs = InputImages.Read(request.Inputs, request.Samples, options.InChannels, dataSize, classNames);
        var dtype = request.Precision switch
        {
            "bfloat16" => ScalarType.BFloat16,
            "float16" => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        using var model = LoadModel(modelFolder);
        model.to(device);
        model.to(dtype); // lower-precision inference: the weights themselves converted, no per-op casts
        model.eval();

        string outDir = request.OutputDirectory ?? Path.Combine(modelFolder, "attention");
        Directory.CreateDirectory(outDir);
        int size = dataSize, channels = options.InChannels;
        using var scope = NewDisposeScope();
        var batch = Prepare(inputs, options, metadata, dataSize, device).to_type(dtype);
        Tensor probabilities;
        using (no_grad())
        {
            probabilities = model.call(batch).to_type(ScalarType.Float32).softmax(1).cpu();
        }

        var relevance = AttentionRollout.Compute(model, batch);
        int k = Math.Min(5, options.NumClasses);
        var (topValues, topIndices) = probabilities.topk(k, dim: 1);
        for (int i = 0; i < inputs.Count; i++)
        {
            var image = inputs[i];
            float[] p = topValues[i].data<float>().ToArray();
            long[] c = topIndices[i].data<long>().ToArray();
            string truth = image.Label is int label ? $" (true: {classNames[label]})" : string.Empty;
            Console.WriteLine($"{image.Name}{truth}");
            for (int j = 0; j < k; j++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {j + 1}. {classNames[c[j]],-12} {p[j] * 100,6:F2} %"));
            }

            string png = Path.Combine(outDir, $"{Sanitise(image.Name)}-rollout.png");
            string caption = string.Create(CultureInfo.InvariantCulture, $"{image.Name}: {classNames[c[0]]} {p[0] * 100:F1} %{truth}");
            RolloutImage.Write(png, image, channels, size, options.ImageSize, relevance[i].data<float>().ToArray(), options.GridSize, caption);
            Console.WriteLine($"  heatmap: {png}");
        }

        return 0;
    }

    private static VisionTransformer LoadModel(string folder)
    {
        try
        {
            return VisionTransformer.FromPretrained(folder);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new UsageException($"--model: {e.Message}", e);
        }
    }

    /// <summary>uint8 pixels → [B, C, S, S] float: scaled to [0, 1], centred on the model's input, normalised.</summary>
    private static Tensor Prepare(List<InputImage> inputs, VisionTransformerOptions options, PretrainedMetadata metadata, int size, Device device)
    {
        int channels = options.InChannels, modelSize = options.ImageSize;
        byte[] all = [.. inputs.SelectMany(i => i.Pixels)];
        using var byteRange = 255f.ToScalar();
        var images = tensor(all, [inputs.Count, channels, size, size], ScalarType.Byte).to(device).to_type(ScalarType.Float32).div(byteRange);
        int before = (modelSize - size) / 2, after = modelSize - size - before;
        if (modelSize != size)
        {
            images = nn.functional.pad(images, [before, after, before, after], PaddingModes.Constant, 0);
        }

        var mean = tensor(metadata.Mean!).to(device).view(1, -1, 1, 1);
        var std = tensor(metadata.Std!).to(device).view(1, -1, 1, 1);
        return (images - mean) / std;
    }

    private static string Sanitise(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_'));
}
