using System.Globalization;
using Vit.Inference;

namespace Vit.Samples.Inference;

/// <summary>
/// <c>--engine onnx</c>: classifies every input with <see cref="ImageClassifier"/> (config.json + model.onnx on ONNX
/// Runtime, timm's preprocessing) and prints the top 5. TorchSharp is never touched, so libtorch is not loaded.
/// </summary>
internal static class OnnxInferenceRun
{
    public static int Execute(InferenceRequest request, string modelFolder)
    {
        var provider = request.Device switch
        {
            "cpu" => ExecutionProvider.Cpu,
            "cuda" => ExecutionProvider.Cuda,
            _ => ExecutionProvider.Auto,
        };
        using var classifier = Load(modelFolder, provider);
        var inputs = InputImages.ReadEncoded(request.Inputs, request.Samples, classifier.ClassNames);
        IReadOnlyList<IReadOnlyList<Prediction>> results;
        try
        {
            results = classifier.ClassifyBatch([.. inputs.Select(i => i.Encoded)], topK: 5);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"{e.Message} (inputs in order: {string.Join(", ", inputs.Select(i => i.Name))})", e);
        }

        Console.WriteLine($"ONNX Runtime ({classifier.ExecutionProvider}) on {Path.Combine(modelFolder, ImageClassifier.ModelFileName)}; attention rollout: run with --engine torch");
        for (int i = 0; i < inputs.Count; i++)
        {
            var (name, _, label) = inputs[i];
            string truth = label is int l ? $" (true: {classifier.ClassNames[l]})" : string.Empty;
            Console.WriteLine($"{name}{truth}");
            for (int j = 0; j < results[i].Count; j++)
            {
                var p = results[i][j];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {j + 1}. {p.Label,-12} {p.Probability * 100,6:F2} %"));
            }
        }

        return 0;
    }

    private static ImageClassifier Load(string folder, ExecutionProvider provider)
    {
        try
        {
            return ImageClassifier.Load(folder, new ImageClassifierOptions { ExecutionProvider = provider });
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new UsageException($"--model: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"--device cuda: {e.Message}", e);
        }
    }
}
