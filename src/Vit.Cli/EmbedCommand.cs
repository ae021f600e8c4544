using System.CommandLine;
using System.Globalization;
using Vit.Inference;

namespace Vit.Cli;

/// <summary><c>vit embed &lt;folder&gt; &lt;images...&gt;</c>: each image's embedding as one line, on ONNX Runtime.</summary>
internal static class EmbedCommand
{
    public static Command Create(TextWriter output)
    {
        var folder = new Argument<string>("folder") { Description = "A folder `vit export` wrote with an embeddings output (config.json + model.onnx)" };
        var images = new Argument<string[]>("images") { Description = "PNG, JPEG, WebP, GIF or BMP files", Arity = ArgumentArity.OneOrMore };
        var normalize = new Option<bool>("--normalize") { Description = "Scale each embedding to unit length (a dot product is then the cosine similarity)" };
        var command = new Command("embed", "Print each image's embedding: the path, a tab, then the values separated by spaces") { folder, images, normalize };
        command.SetAction(r => Run(r.GetValue(folder)!, r.GetValue(images)!, r.GetValue(normalize), output));
        return command;
    }

    public static int Run(string folder, IReadOnlyList<string> images, bool normalize, TextWriter output)
    {
        using var embedder = ImageEmbedder.Load(folder, new ImageEmbedderOptions { Normalize = normalize });
        var embeddings = embedder.EmbedBatch(images);
        for (int i = 0; i < images.Count; i++)
        {
            output.WriteLine($"{images[i]}\t{string.Join(' ', embeddings[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
        }

        return ExitCodes.Success;
    }
}
