using System.Globalization;
using Vit.Inference;

// Classifies one image with a model folder (config.json + model.onnx), as an app that references only Vit.Inference.
// Arguments (or VIT_CONSUMER_MODEL / VIT_CONSUMER_IMAGE): the model folder and the image. Exit code 1 on any failure.
string? folder = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("VIT_CONSUMER_MODEL");
string? image = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("VIT_CONSUMER_IMAGE");
if (folder is null || image is null)
{
    Console.Error.WriteLine("usage: Vit.Consumer.Inference MODEL_FOLDER IMAGE (or set VIT_CONSUMER_MODEL and VIT_CONSUMER_IMAGE)");
    return 1;
}

using var classifier = ImageClassifier.Load(folder);
var predictions = classifier.Classify(image, topK: 5);
foreach (var p in predictions)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.ClassIndex,3} {p.Label,-14} {p.Probability:P2}"));
}

// The same image through the other overloads gives the same answer; the probabilities are a distribution.
var fromBytes = classifier.Classify(File.ReadAllBytes(image), topK: 5);
using var stream = File.OpenRead(image);
var fromStream = classifier.Classify(stream, topK: 5);
bool same = predictions.SequenceEqual(fromBytes) && predictions.SequenceEqual(fromStream);
double top = predictions.Sum(p => p.Probability);
bool libtorch = File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtorch", StringComparison.Ordinal));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"provider={classifier.ExecutionProvider} classes={classifier.ClassNames.Count} input={classifier.Channels}x{classifier.ImageSize}x{classifier.ImageSize} overloads_agree={same} top5_mass={top:F4} libtorch_loaded={libtorch}"));
if (!same || predictions.Count != Math.Min(5, classifier.ClassNames.Count) || top > 1.0 + 1e-9 || libtorch)
{
    Console.Error.WriteLine("consumer check FAILED: the overloads disagree, the probabilities are wrong, or libtorch was loaded");
    return 1;
}

return 0;
