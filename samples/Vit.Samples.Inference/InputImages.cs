using SkiaSharp;
using Vit.Data;

namespace Vit.Samples.Inference;

/// <summary>Reads the images to classify: PNG/JPEG files (any size, resized) or samples of an IDX images file.</summary>
internal static class InputImages
{
    /// <summary>Reads every input.</summary>
    /// <param name="paths">Image files and IDX images files.</param>
    /// <param name="samples">Which samples of each IDX file to take.</param>
    /// <param name="channels">The model's channels (1: grayscale by luminance, 3: RGB).</param>
    /// <param name="size">The side the model's data had; images are resized to it.</param>
    /// <param name="classes">The number of classes, to check IDX labels.</param>
    /// <exception cref="UsageException">A file is missing, cannot be decoded, or a sample index is out of range.</exception>
    public static List<InputImage> Read(IReadOnlyList<string> paths, IReadOnlyList<int> samples, int channels, int size, IReadOnlyList<string> classes)
    {
        var images = new List<InputImage>();
        foreach (string path in paths)
        {
            if (!File.Exists(path))
            {
                throw new UsageException($"Input '{path}' does not exist.");
            }

            if (IsIdx(path))
            {
                images.AddRange(ReadIdx(path, samples, channels, size, classes));
            }
            else
            {
                images.Add(new InputImage(Path.GetFileNameWithoutExtension(path), Decode(path, channels, size), Label: null));
            }
        }

        return images;
    }

    /// <summary>
    /// Reads every input as encoded image bytes for <c>ImageClassifier</c>: image files as they are, IDX samples encoded
    /// as PNG (lossless, so the classifier sees the IDX pixels).
    /// </summary>
    /// <exception cref="UsageException">A file is missing or an IDX file or sample index is bad.</exception>
    public static List<(string Name, byte[] Encoded, int? Label)> ReadEncoded(IReadOnlyList<string> paths, IReadOnlyList<int> samples, IReadOnlyList<string> classes)
    {
        var images = new List<(string, byte[], int?)>();
        foreach (string path in paths)
        {
            if (!File.Exists(path))
            {
                throw new UsageException($"Input '{path}' does not exist.");
            }

            if (!IsIdx(path))
            {
                images.Add((Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path), null));
                continue;
            }

            string labels = LabelsPath(path);
            if (!File.Exists(labels))
            {
                throw new UsageException($"IDX input '{path}' needs its labels file '{labels}' next to it.");
            }

            var (pixels, size, labelsOf) = IdxFile.Read(path, labels, samples);
            string stem = Path.GetFileName(path).Split('-')[0];
            for (int k = 0; k < pixels.Count; k++)
            {
                if (labelsOf[k] >= classes.Count)
                {
                    throw new UsageException($"IDX labels file '{labels}' has label {labelsOf[k]}; the model has {classes.Count} classes.");
                }

                images.Add(($"{stem}-{samples[k]}", EncodedPng.FromPlanar(pixels[k], 1, size), labelsOf[k]));
            }
        }

        return images;
    }

    private static string LabelsPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path).Replace("images-idx3", "labels-idx1", StringComparison.OrdinalIgnoreCase));

    private static bool IsIdx(string path) => Path.GetFileName(path).Contains("idx3-ubyte", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<InputImage> ReadIdx(string path, IReadOnlyList<int> samples, int channels, int size, IReadOnlyList<string> classes)
    {
        // The labels file sits next to the images under the upstream naming (t10k-images-idx3 → t10k-labels-idx1).
        string labels = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path).Replace("images-idx3", "labels-idx1", StringComparison.OrdinalIgnoreCase));
        if (!File.Exists(labels))
        {
            throw new UsageException($"IDX input '{path}' needs its labels file '{labels}' next to it.");
        }

        InMemoryImageDataset dataset;
        try
        {
            dataset = IdxFiles.Load(path, labels, classes);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"IDX input '{path}': {e.Message}", e);
        }

        using (dataset)
        {
            if (dataset.Channels != channels || dataset.Height != size || dataset.Width != size)
            {
                throw new UsageException($"IDX input '{path}' holds {dataset.Channels}x{dataset.Height}x{dataset.Width} images; the model takes {channels}x{size}x{size}.");
            }

            int bad = samples.FirstOrDefault(i => i < 0 || i >= dataset.Count, -1);
            if (bad >= 0 || samples.Any(i => i < 0))
            {
                throw new UsageException($"--samples: index {samples.First(i => i < 0 || i >= dataset.Count)} is outside '{path}' (0..{dataset.Count - 1}).");
            }

            var (pixels, _) = dataset.GetBatch(samples.ToArray());
            using (pixels)
            {
                byte[] all = pixels.data<byte>().ToArray();
                int sampleBytes = channels * size * size;
                string stem = Path.GetFileName(path).Split('-')[0];
                return [.. samples.Select((index, k) => new InputImage($"{stem}-{index}", all[(k * sampleBytes)..((k + 1) * sampleBytes)], dataset.GetLabel(index)))];
            }
        }
    }

    /// <summary>Decodes an image file, resizes it to size x size and converts it to planar grayscale or RGB bytes.</summary>
    private static byte[] Decode(string path, int channels, int size)
    {
        using var source = SKBitmap.Decode(path) ?? throw new UsageException($"Input '{path}' is not an image SkiaSharp can decode (PNG or JPEG expected).");
        using var resized = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!source.ScalePixels(resized, SKFilterQuality.High))
        {
            throw new UsageException($"Input '{path}' could not be resized to {size}x{size}.");
        }

        var rgba = resized.GetPixelSpan();
        byte[] planar = new byte[channels * size * size];
        int plane = size * size;
        for (int p = 0; p < plane; p++)
        {
            byte r = rgba[4 * p], g = rgba[(4 * p) + 1], b = rgba[(4 * p) + 2];
            if (channels == 1)
            {
                // ITU-R BT.601 luma, as PIL's convert("L") computes it.
                planar[p] = (byte)Math.Round(((299 * r) + (587 * g) + (114 * b)) / 1000.0);
            }
            else
            {
                planar[p] = r;
                planar[plane + p] = g;
                planar[(2 * plane) + p] = b;
            }
        }

        return planar;
    }
}
