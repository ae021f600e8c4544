using System.CommandLine;
using System.Globalization;
using Vit.Inference;

namespace Vit.Cli;

/// <summary><c>vit classify &lt;folder&gt; &lt;images...&gt;</c>: the top classes of each image, on ONNX Runtime.</summary>
internal static class ClassifyCommand
{
    public static Command Create(TextWriter output)
    {
        var folder = new Argument<string>("folder") { Description = "A folder `vit export` wrote (config.json + model.onnx)" };
        var images = new Argument<string[]>("images") { Description = "PNG, JPEG, WebP, GIF or BMP files", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top") { Description = "Classes to print per image, most probable first", DefaultValueFactory = _ => 5 };
        var command = new Command("classify", "Print the most probable classes of each image") { folder, images, top };
        command.SetAction(r => Run(r.GetValue(folder)!, r.GetValue(images)!, r.GetValue(top), output));
        return command;
    }

    public static int Run(string folder, IReadOnlyList<string> images, int top, TextWriter output)
    {
        if (top < 1)
        {
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture, $"--top is {top}; expected at least 1."));
        }

        using var classifier = ImageClassifier.Load(folder);
        var results = classifier.ClassifyBatch(images, top);
        for (int i = 0; i < images.Count; i++)
        {
            output.WriteLine(images[i]);
            foreach (var (prediction, rank) in results[i].Select((p, k) => (p, k + 1)))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rank}. {prediction.Label} ({prediction.ClassIndex}) {prediction.Probability:P2}"));
            }
        }

        return ExitCodes.Success;
    }
}
