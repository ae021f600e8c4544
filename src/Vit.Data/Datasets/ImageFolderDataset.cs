using System.Globalization;
using Vit.Input;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// A dataset read from a folder with one sub-folder per class (sorted by name, ordinal), each holding PNG/JPEG/…
/// images (searched recursively), decoded with SkiaSharp and held in memory as uint8.
/// </summary>
/// <remarks>
/// SkiaSharp needs its native library. TorchVision (which Vit.Data references) brings
/// <c>SkiaSharp.NativeAssets.Linux.NoDependencies</c> 2.88.6 for Linux, and SkiaSharp itself brings the Windows and
/// macOS ones, so an application referencing Vit.Data needs nothing more.
/// </remarks>
public sealed class ImageFolderDataset : IImageDataset, IDisposable
{
    private readonly InMemoryImageDataset _data;

    private ImageFolderDataset(InMemoryImageDataset data, IReadOnlyList<string> files, IReadOnlyList<SkippedImage> skipped)
    {
        _data = data;
        Files = files;
        Skipped = skipped;
    }

    /// <summary>Gets the file of each sample, in sample order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Gets the files skipped because they failed to decode (only with <see cref="ImageFolderOptions.SkipUndecodable"/>).</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    /// <inheritdoc/>
    public int Count => _data.Count;

    /// <inheritdoc/>
    public int Channels => _data.Channels;

    /// <inheritdoc/>
    public int Height => _data.Height;

    /// <inheritdoc/>
    public int Width => _data.Width;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _data.ClassNames;

    /// <summary>Gets every image, uint8 [N, C, H, W], owned by the dataset.</summary>
    public Tensor Images => _data.Images;

    /// <summary>Gets every label, int64 [N], owned by the dataset.</summary>
    public Tensor Labels => _data.Labels;

    /// <summary>Loads every image under <paramref name="root"/>.</summary>
    /// <param name="root">The folder whose sub-folders are the classes.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// There is no class folder, a class folder holds no image, an image fails to decode, is truncated, is not a regular
    /// file or declares more than 89,478,485 pixels (unless skipped), an image's size differs from the first one when no
    /// size is set, folders nest too deep, or the images need more bytes than one array holds; the message names the
    /// folder or file.
    /// </exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid.</exception>
    public static ImageFolderDataset Load(string root, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new ImageFolderOptions();
        new ImageFolderOptionsValidator().ThrowIfInvalid(options);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Image folder '{root}' does not exist.");
        }

        var extensions = new HashSet<string>(options.Extensions, StringComparer.OrdinalIgnoreCase);
        string[] classDirs = [.. Directory.GetDirectories(root).Order(StringComparer.Ordinal)];
        if (classDirs.Length == 0)
        {
            throw new InvalidDataException($"Image folder '{root}' has no class sub-folders; expected one sub-folder per class.");
        }

        var files = new List<(string Path, int Label)>();
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        var seenFolders = new HashSet<string>([RegularFile.Identity(root), .. classDirs.Select(RegularFile.Identity)], StringComparer.Ordinal);
        for (int c = 0; c < classDirs.Length; c++)
        {
            var images = FindImages(classDirs[c], extensions, seenFolders, seenFiles);
            if (images.Count == 0)
            {
                throw new InvalidDataException(
                    $"Class folder '{classDirs[c]}' holds no image ({string.Join(", ", options.Extensions)}).");
            }

            files.AddRange(images.Select(f => (f, c)));
        }

        var (height, width) = options.Height is int h && options.Width is int w ? (h, w) : SizeOfFirstImage(files, options.SkipUndecodable);
        bool resize = options.Height is not null;
        long totalBytes = (long)files.Count * options.Channels * height * width;
        if (totalBytes > InputLimits.MaxDatasetBytes)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Image folder '{root}' holds {files.Count} images of {options.Channels}x{height}x{width} = {totalBytes} bytes, more than the {InputLimits.MaxDatasetBytes} bytes one in-memory dataset holds; set ImageFolderOptions.Height and Width smaller."));
        }

        int sampleBytes = options.Channels * height * width;
        byte[] pixels = new byte[totalBytes];
        string?[] failures = new string?[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            failures[i] = SkiaImageDecoder.Decode(
                files[i].Path, options.Channels, height, width, resize, pixels.AsSpan(i * sampleBytes, sampleBytes));
        });

        var kept = new List<int>(files.Count);
        var skipped = new List<SkippedImage>();
        for (int i = 0; i < files.Count; i++)
        {
            if (failures[i] is null)
            {
                kept.Add(i);
            }
            else if (options.SkipUndecodable)
            {
                skipped.Add(new SkippedImage(files[i].Path, failures[i]!));
            }
            else
            {
                throw new InvalidDataException($"Image '{files[i].Path}' (sample {i}) could not be loaded: {failures[i]}");
            }
        }

        if (kept.Count == 0)
        {
            throw new InvalidDataException($"No image under '{root}' could be decoded ({skipped.Count} skipped).");
        }

        byte[] keptPixels = kept.Count == files.Count ? pixels : new byte[(long)kept.Count * sampleBytes];
        if (kept.Count != files.Count)
        {
            for (int k = 0; k < kept.Count; k++)
            {
                Buffer.BlockCopy(pixels, kept[k] * sampleBytes, keptPixels, k * sampleBytes, sampleBytes);
            }
        }

        string[] names = [.. classDirs.Select(Path.GetFileName).Select(n => n!)];
        int[] labels = [.. kept.Select(i => files[i].Label)];
        var data = new InMemoryImageDataset(keptPixels, labels, options.Channels, height, width, names, root);
        return new ImageFolderDataset(data, [.. kept.Select(i => files[i].Path)], skipped);
    }

    /// <inheritdoc/>
    public int GetLabel(int index) => _data.GetLabel(index);

    /// <inheritdoc/>
    public (Tensor Images, Tensor Labels) GetBatch(ReadOnlySpan<int> indices) => _data.GetBatch(indices);

    /// <summary>Frees the images and labels.</summary>
    public void Dispose() => _data.Dispose();

    /// <summary>
    /// The images under a class folder, in ordinal order of their paths. Symbolic links are followed, but a folder or a
    /// file reached a second time (a link loop, two links to one target) is taken once, the root and the class folders
    /// are never entered from inside a class, and nesting is bounded.
    /// </summary>
    private static List<string> FindImages(string classDir, HashSet<string> extensions, HashSet<string> visited, HashSet<string> seenFiles)
    {
        var found = new List<string>();
        var pending = new Stack<(string Dir, int Depth)>();
        pending.Push((classDir, 0));
        while (pending.Count > 0)
        {
            var (dir, depth) = pending.Pop();
            var subfolders = new List<string>();
            foreach (string entry in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
            {
                var kind = RegularFile.KindOf(entry);
                if (kind == FileKind.Directory)
                {
                    if (depth + 1 > InputLimits.MaxFolderDepth)
                    {
                        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                            $"Folder '{entry}' is nested more than {InputLimits.MaxFolderDepth} folders deep under class folder '{classDir}'."));
                    }

                    if (visited.Add(RegularFile.Identity(entry)))
                    {
                        subfolders.Add(entry);
                    }
                }
                else if (extensions.Contains(Path.GetExtension(entry)) && kind != FileKind.Missing
                    && (kind != FileKind.Regular || seenFiles.Add(RegularFile.Identity(entry))))
                {
                    // Special files with an image's name are kept: decoding reports them like any undecodable file.
                    found.Add(entry);
                }
            }

            // A folder's own files first, then its sub-folders in ordinal order: the first name of a file seen twice wins.
            for (int i = subfolders.Count - 1; i >= 0; i--)
            {
                pending.Push((subfolders[i], depth + 1));
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>The size of the first file that decodes (skipping undecodable ones only when allowed).</summary>
    private static (int Height, int Width) SizeOfFirstImage(List<(string Path, int Label)> files, bool skipUndecodable)
    {
        for (int i = 0; i < files.Count; i++)
        {
            string? failure = SkiaImageDecoder.TryReadSize(files[i].Path, out var size);
            if (failure is null)
            {
                return size;
            }

            if (!skipUndecodable)
            {
                throw new InvalidDataException($"Image '{files[i].Path}' (sample {i}) could not be loaded: {failure}");
            }
        }

        throw new InvalidDataException($"None of the {files.Count} images could be decoded; the first is '{files[0].Path}'.");
    }
}
