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
        if (!File.Exists(request.Model))
        {
            throw new UsageException($"--model '{request.Model}' does not exist.");
        }

        string modelFolder = Path.GetDirectoryName(Path.GetFullPath(request.Model))!;
        string descriptionPath = request.Description ?? Path.Combine(modelFolder, ModelDescription.FileName);
        if (!File.Exists(descriptionPath))
        {
            throw new UsageException($"'{descriptionPath}' does not exist: the model needs the {ModelDescription.FileName} its training run wrote next to it (or pass --description).");
        }

        ModelDescription description;
        try
        {
            description = ModelDescription.Read(descriptionPath);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message, e);
        }

        var options = description.Model;
        var device = request.Device switch
        {
            "cpu" => CPU,
            "cuda" when cuda.is_available() => CUDA,
            "cuda" => throw new UsageException("--device cuda: CUDA is not available with this build's TorchSharp backend."),
            _ => cuda.is_available() ? CUDA : CPU,
        };
        var inputs = InputImages.Read(request.Inputs, request.Samples, options.InChannels, description.DataImageSize, description.ClassNames);
        var dtype = request.Precision switch
        {
            "bfloat16" => ScalarType.BFloat16,
            "float16" => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        using var model = LoadModel(request.Model, options);
        model.to(device);
        model.to(dtype); // lower-precision inference: the weights themselves converted, no per-op casts
        model.eval();

        string outDir = request.OutputDirectory ?? Path.Combine(modelFolder, "attention");
        Directory.CreateDirectory(outDir);
        int size = description.DataImageSize, channels = options.InChannels;
        using var scope = NewDisposeScope();
        var batch = Prepare(inputs, description, device).to_type(dtype);
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
            string truth = image.Label is int label ? $" (true: {description.ClassNames[label]})" : string.Empty;
            Console.WriteLine($"{image.Name}{truth}");
            for (int j = 0; j < k; j++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {j + 1}. {description.ClassNames[c[j]],-12} {p[j] * 100,6:F2} %"));
            }

            string png = Path.Combine(outDir, $"{Sanitise(image.Name)}-rollout.png");
            string caption = string.Create(CultureInfo.InvariantCulture, $"{image.Name}: {description.ClassNames[c[0]]} {p[0] * 100:F1} %{truth}");
            RolloutImage.Write(png, image, channels, size, options.ImageSize, relevance[i].data<float>().ToArray(), options.GridSize, caption);
            Console.WriteLine($"  heatmap: {png}");
        }

        return 0;
    }

    private static VisionTransformer LoadModel(string path, VisionTransformerOptions options)
    {
        try
        {
            return VisionTransformer.LoadTimm(path, options);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--model: {e.Message}", e);
        }
    }

    /// <summary>uint8 pixels → [B, C, S, S] float: scaled to [0, 1], centred on the model's input, normalised.</summary>
    private static Tensor Prepare(List<InputImage> inputs, ModelDescription description, Device device)
    {
        int size = description.DataImageSize, channels = description.Model.InChannels, modelSize = description.Model.ImageSize;
        byte[] all = [.. inputs.SelectMany(i => i.Pixels)];
        var images = tensor(all, [inputs.Count, channels, size, size], ScalarType.Byte).to(device).to_type(ScalarType.Float32).div(255f);
        int before = (modelSize - size) / 2, after = modelSize - size - before;
        if (modelSize != size)
        {
            images = nn.functional.pad(images, [before, after, before, after], PaddingModes.Constant, 0);
        }

        var mean = tensor(description.Mean).to(device).view(1, -1, 1, 1);
        var std = tensor(description.Std).to(device).view(1, -1, 1, 1);
        return (images - mean) / std;
    }

    private static string Sanitise(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_'));
}
