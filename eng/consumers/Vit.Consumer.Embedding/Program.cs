using System.Globalization;
using Vit.Inference;

// Embeds every PNG/JPEG of a folder with a `vit export` folder and prints each image's nearest neighbour, as an app
// that references only Vit.Inference. Arguments (or VIT_CONSUMER_EMBED_MODEL / VIT_CONSUMER_IMAGES): the exported
// folder and the image folder. Exit code 1 on any failure.
string? folder = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("VIT_CONSUMER_EMBED_MODEL");
string? images = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("VIT_CONSUMER_IMAGES");
if (folder is null || images is null)
{
    Console.Error.WriteLine("usage: Vit.Consumer.Embedding EXPORTED_FOLDER IMAGE_FOLDER (or set VIT_CONSUMER_EMBED_MODEL and VIT_CONSUMER_IMAGES)");
    return 1;
}

string[] files = [.. Directory.GetFiles(images).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
using var embedder = ImageEmbedder.Load(folder, new ImageEmbedderOptions { Normalize = true });
var embeddings = embedder.EmbedBatch(files);
for (int i = 0; i < files.Length; i++)
{
    int nearest = Enumerable.Range(0, files.Length).Where(j => j != i).MaxBy(j => ImageEmbedder.CosineSimilarity(embeddings[i], embeddings[j]));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(files[i]),-20} nearest {Path.GetFileName(files[nearest]),-20} cosine {ImageEmbedder.CosineSimilarity(embeddings[i], embeddings[nearest]):F4}"));
}

// Unit vectors (the Normalize option), the same answer from the bytes (to float rounding: a batch of 1 and a batch of
// 5 may take different matrix-product kernels), and no libtorch in this process.
bool unit = embeddings.All(e => Math.Abs(Math.Sqrt(e.Sum(v => (double)v * v)) - 1) < 1e-5);
bool same = embedder.Embed(File.ReadAllBytes(files[0])).Zip(embeddings[0]).All(p => Math.Abs(p.First - p.Second) < 1e-5);
bool libtorch = File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtorch", StringComparison.Ordinal));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images={files.Length} dimension={embedder.Dimension} input={embedder.Channels}x{embedder.Height}x{embedder.Width} unit={unit} overloads_agree={same} libtorch_loaded={libtorch}"));
if (files.Length < 2 || !unit || !same || libtorch)
{
    Console.Error.WriteLine("consumer check FAILED: too few images, embeddings not unit length, the overloads disagree, or libtorch was loaded");
    return 1;
}

return 0;
