using Vit.Inference;
using Vit.Samples.Inference;

namespace Vit.Samples.Similarity;

/// <summary>Embedded images: a name, the encoded image (for the contact sheet), a class when known, and a unit-length embedding.</summary>
internal sealed class ImageIndex
{
    private ImageIndex(IReadOnlyList<string> names, IReadOnlyList<byte[]> images, IReadOnlyList<int>? labels, IReadOnlyList<float[]> embeddings)
    {
        Names = names;
        Images = images;
        Labels = labels;
        Embeddings = embeddings;
    }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<byte[]> Images { get; }

    /// <summary>Gets the class of each image (IDX sources only).</summary>
    public IReadOnlyList<int>? Labels { get; }

    public IReadOnlyList<float[]> Embeddings { get; }

    public int Count => Names.Count;

    /// <summary>Embeds every PNG/JPEG of a folder, or the first <paramref name="limit"/> samples of an IDX images file (its labels file next to it).</summary>
    /// <exception cref="UsageException">The source is neither, or holds fewer than two images.</exception>
    public static ImageIndex Build(ImageEmbedder embedder, string source, int limit, int batchSize = 256)
    {
        List<string> names;
        List<byte[]> images;
        List<int>? labels = null;
        if (Directory.Exists(source))
        {
            names = [.. Directory.GetFiles(source).Where(IsImage).Order(StringComparer.Ordinal).Take(limit)];
            images = [.. names.Select(File.ReadAllBytes)];
        }
        else if (File.Exists(source) && source.Contains("-images-idx3", StringComparison.Ordinal))
        {
            string labelFile = source.Replace("-images-idx3", "-labels-idx1", StringComparison.Ordinal);
            int count = Math.Min(limit, CountOf(source));
            var (pixels, size, classes) = IdxFile.Read(source, labelFile, [.. Enumerable.Range(0, count)]);
            images = [.. pixels.Select(p => EncodedPng.FromPlanar(p, 1, size))];
            string prefix = Path.GetFileName(source).Split('-')[0];
            names = [.. Enumerable.Range(0, count).Select(i => $"{prefix}#{i}")];
            labels = classes;
        }
        else
        {
            throw new UsageException($"--index '{source}' is neither a folder of images nor an IDX images file (*-images-idx3-ubyte[.gz]).");
        }

        if (names.Count < 2)
        {
            throw new UsageException($"--index '{source}' holds {names.Count} images; an index needs at least 2.");
        }

        var embeddings = new List<float[]>(names.Count);
        for (int start = 0; start < images.Count; start += batchSize)
        {
            embeddings.AddRange(embedder.EmbedBatch(images.GetRange(start, Math.Min(batchSize, images.Count - start))));
        }

        return new ImageIndex(names, images, labels, embeddings);
    }

    private static bool IsImage(string path) =>
        new[] { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" }.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static int CountOf(string idx)
    {
        using var file = File.OpenRead(idx);
        using Stream stream = idx.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[8];
        stream.ReadExactly(header);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[4..]);
    }
}
