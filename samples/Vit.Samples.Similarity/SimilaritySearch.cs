using System.CommandLine;
using System.Globalization;
using Vit.Inference;

namespace Vit.Samples.Similarity;

/// <summary>The sample's command line and what it does: index, query + contact sheet, or --eval.</summary>
internal static class SimilaritySearch
{
    public const int SheetNeighbours = 8;
    public const int EvalK = 10;

    /// <summary>Runs one command line: 0 done, 2 bad input (one <c>error:</c> line).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "A folder with an embeddings output (`vit export <run> <out>`): config.json + model.onnx", Required = true };
        var index = new Option<string>("--index") { Description = "A folder of images, or an IDX images file (its labels file next to it) [default: the shipped Fashion-MNIST test file]" };
        var query = new Option<string?>("--query") { Description = "An image file, or the number of an image of the index, to find the nearest images of" };
        var outPath = new Option<string>("--out") { Description = "The contact sheet PNG: the query and its 8 nearest", DefaultValueFactory = _ => "nearest.png" };
        var eval = new Option<bool>("--eval") { Description = "Precision@10: the share of each image's 10 nearest (among all the others) of its class, averaged; needs an IDX index" };
        var limit = new Option<int>("--limit") { Description = "Index at most this many images", DefaultValueFactory = _ => 10_000 };
        var root = new RootCommand("Image similarity search with ImageEmbedder: index images, query with one, write a contact sheet of the nearest") { model, index, query, outPath, eval, limit };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"error: {parsed.Errors[0].Message}");
            return 2;
        }

        if (parsed.Action is not null && parsed.CommandResult.Command == root && args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return parsed.Invoke();
        }

        try
        {
            return Execute(parsed.GetValue(model)!, parsed.GetValue(index) ?? DefaultIndex(), parsed.GetValue(query), parsed.GetValue(outPath)!, parsed.GetValue(eval), parsed.GetValue(limit), output);
        }
        catch (Exception e) when (e is UsageException or FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
        {
            error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
    }

    private static int Execute(string modelFolder, string source, string? query, string sheet, bool eval, int limit, TextWriter output)
    {
        if (limit < 2)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--limit is {limit}; an index needs at least 2 images."));
        }

        if (!eval && query is null)
        {
            throw new UsageException("give --query IMAGE (or an index number) for a contact sheet, or --eval for precision@10.");
        }

        using var embedder = ImageEmbedder.Load(modelFolder, new ImageEmbedderOptions { Normalize = true });
        var started = DateTime.UtcNow;
        var indexed = ImageIndex.Build(embedder, source, limit);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"indexed {indexed.Count} images ({embedder.Dimension}-dimensional embeddings) in {(DateTime.UtcNow - started).TotalSeconds:F1} s"));
        if (query is not null)
        {
            WriteSheet(embedder, indexed, query, sheet, output);
        }

        if (eval)
        {
            var labels = indexed.Labels ?? throw new UsageException($"--eval needs class labels: give an IDX images file as --index (its labels file next to it), not '{source}'.");
            double precision = PrecisionAtK.Compute(indexed.Embeddings, labels, EvalK);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"precision_at_{EvalK}={precision:F4} ({indexed.Count} queries, each against the other {indexed.Count - 1})"));
        }

        return 0;
    }

    private static void WriteSheet(ImageEmbedder embedder, ImageIndex indexed, string query, string sheet, TextWriter output)
    {
        int self = int.TryParse(query, NumberStyles.None, CultureInfo.InvariantCulture, out int number) ? number : -1;
        if (self >= indexed.Count)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--query {self} is outside the index (0..{indexed.Count - 1})."));
        }

        if (self < 0 && !File.Exists(query))
        {
            throw new UsageException($"--query '{query}' is neither an image file nor the number of an image of the index.");
        }

        byte[] image = self >= 0 ? indexed.Images[self] : File.ReadAllBytes(query);
        float[] embedding = self >= 0 ? indexed.Embeddings[self] : embedder.Embed(image);
        var nearest = NearestNeighbours.Find(embedding, indexed.Embeddings, SheetNeighbours, exclude: self);
        foreach (var (i, rank) in nearest.Select((n, r) => (n, r + 1)))
        {
            string label = indexed.Labels is null ? "" : string.Create(CultureInfo.InvariantCulture, $" class {indexed.Labels[i.Index]}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rank}. {indexed.Names[i.Index]}{label} cosine {i.Similarity:F4}"));
        }

        ContactSheet.Write(sheet, image, self >= 0 ? indexed.Names[self] : Path.GetFileName(query), [.. nearest.Select(n => (indexed.Images[n.Index], indexed.Names[n.Index], n.Similarity))]);
        output.WriteLine($"wrote {sheet}");
    }

    /// <summary>The repository's Fashion-MNIST test images, found from the working folder upwards.</summary>
    private static string DefaultIndex()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "data", "fashion-mnist", "t10k-images-idx3-ubyte.gz");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new UsageException("no --index given and no data/fashion-mnist/t10k-images-idx3-ubyte.gz above the working folder.");
    }
}
