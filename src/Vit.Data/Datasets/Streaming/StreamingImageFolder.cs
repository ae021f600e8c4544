using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// An image-folder dataset that reads and decodes images when a batch asks for them, on threads it owns, from a folder
/// with one sub-folder per class or from a zip archive of such folders. Only the file list is kept: memory does not grow
/// with the folder (at most <see cref="StreamingImageFolderOptions.MaxDecodedInFlight"/> decoded images at once, plus
/// the batches). Each image goes through an <see cref="EvalTransform"/>'s decode and geometry (Pillow-exact), so
/// batches are uint8 [B, C, S, S] for the <see cref="BatchLoader"/>; its tensor stage (<see cref="EvalTransform.TensorTransforms"/>,
/// or a training pipeline) runs in the loader.
/// </summary>
/// <remarks>
/// Order and labels are fixed at <see cref="Open"/> (classes and files sorted ordinally, as <see cref="ImageFolderDataset"/>),
/// so the loader's seeded shuffles give the same epochs as with an in-memory folder. <see cref="GetBatch"/> is thread-safe.
/// </remarks>
public sealed class StreamingImageFolder : IImageDataset, IDisposable
{
    private static readonly Action<ILogger, string, int, string, Exception?> LogSkipped = LoggerMessage.Define<string, int, string>(
        LogLevel.Warning, new EventId(2301, "UndecodableImageSkipped"), "Skipping image {File} (sample {Index}): {Reason}");

    private readonly IImageSource _source;
    private readonly EvalTransform _transform;
    private readonly DecodeWorkers _workers;
    private readonly bool _skipUndecodable;
    private readonly ILogger? _logger;
    private readonly ConcurrentDictionary<int, SkippedImage> _skipped = new();
    private readonly int[] _labels;
    private readonly int[][] _byClass;

    private StreamingImageFolder(IImageSource source, EvalTransform transform, StreamingImageFolderOptions options, ILogger? logger)
    {
        _source = source;
        _transform = transform;
        _skipUndecodable = options.SkipUndecodable;
        _logger = logger;
        _labels = [.. source.Files.Select(f => f.Label)];
        Files = [.. source.Files.Select(f => f.Name)];
        _byClass = [.. Enumerable.Range(0, source.ClassNames.Count).Select(c => Enumerable.Range(0, _labels.Length).Where(i => _labels[i] == c).ToArray())];
        _workers = new DecodeWorkers(options.DecodeThreads, Math.Min(options.DecodeThreads, options.MaxDecodedInFlight));
    }

    /// <summary>Gets the file of each sample, in sample order (for a zip: <c>archive.zip!class/name.jpg</c>).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Gets the files that failed to decode so far, each reported once (only with <see cref="StreamingImageFolderOptions.SkipUndecodable"/>).</summary>
    public IReadOnlyList<SkippedImage> Skipped => [.. _skipped.OrderBy(p => p.Key).Select(p => p.Value)];

    /// <inheritdoc/>
    public int Count => _labels.Length;

    /// <inheritdoc/>
    public int Channels => _transform.Channels;

    /// <inheritdoc/>
    public int Height => _transform.ImageSize;

    /// <inheritdoc/>
    public int Width => _transform.ImageSize;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _source.ClassNames;

    /// <summary>Lists the images under <paramref name="path"/>, a folder or a <c>.zip</c> file; reads no pixels yet.</summary>
    /// <param name="path">A folder whose sub-folders are the classes, or a zip archive holding such folders.</param>
    /// <param name="transform">The decode and geometry every image goes through (its size and channels are the dataset's).</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where undecodable files are reported (once each); <see langword="null"/> for nowhere.</param>
    /// <returns>The dataset; dispose it to stop its threads.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="path"/> is neither a folder nor a file.</exception>
    /// <exception cref="InvalidDataException">There is no class folder, or a class folder holds no image; the message names it.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid.</exception>
    public static StreamingImageFolder Open(string path, EvalTransform transform, StreamingImageFolderOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(transform);
        options ??= new StreamingImageFolderOptions();
        new StreamingImageFolderOptionsValidator().ThrowIfInvalid(options);
        IImageSource source = Directory.Exists(path) ? new FolderImageSource(path, options.Extensions)
            : File.Exists(path) ? new ZipImageSource(path, options.Extensions)
            : throw new DirectoryNotFoundException($"Image folder or zip archive '{path}' does not exist.");
        return new StreamingImageFolder(source, transform, options, logger);
    }

    /// <inheritdoc/>
    public int GetLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _labels[index];
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A file fails to decode (without <see cref="StreamingImageFolderOptions.SkipUndecodable"/>), or every file of its class does; the message names it.</exception>
    public (Tensor Images, Tensor Labels) GetBatch(ReadOnlySpan<int> indices)
    {
        int[] samples = indices.ToArray();
        foreach (int index in samples)
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Sample index {index} is outside the dataset's {Count} samples.");
            }
        }

        int sampleBytes = Channels * Height * Width;
        byte[] pixels = new byte[(long)samples.Length * sampleBytes];
        var failures = new InvalidDataException?[samples.Length];
        _workers.RunAll(samples.Length, b => failures[b] = Read(samples[b], pixels.AsSpan(b * sampleBytes, sampleBytes)));
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            throw failure;
        }

        long[] labels = [.. samples.Select(i => (long)_labels[i])];
        return (tensor(pixels, [samples.Length, Channels, Height, Width], ScalarType.Byte), tensor(labels, [samples.Length], ScalarType.Int64));
    }

    /// <summary>Stops the decode threads and closes the archive.</summary>
    public void Dispose()
    {
        _workers.Dispose();
        _source.Dispose();
    }

    /// <summary>Decodes sample <paramref name="index"/> (or, when it is undecodable and skipping is on, the next decodable one of its class).</summary>
    private InvalidDataException? Read(int index, Span<byte> destination)
    {
        int[] siblings = _byClass[_labels[index]];
        int start = Array.BinarySearch(siblings, index);
        for (int k = 0; k < siblings.Length; k++)
        {
            int candidate = siblings[(start + k) % siblings.Length];
            if (_skipped.ContainsKey(candidate))
            {
                continue;
            }

            string? reason = TryDecode(candidate, destination);
            if (reason is null)
            {
                return null;
            }

            string file = _source.Files[candidate].Name;
            if (!_skipUndecodable)
            {
                return new InvalidDataException($"Image '{file}' (sample {candidate}) could not be loaded: {reason}");
            }

            if (_skipped.TryAdd(candidate, new SkippedImage(file, reason)))
            {
                if (_logger is not null)
                {
                    LogSkipped(_logger, file, candidate, reason, null);
                }
            }
        }

        return new InvalidDataException(string.Create(
            CultureInfo.InvariantCulture,
            $"No image of class '{ClassNames[_labels[index]]}' ({siblings.Length} files) under '{_source.Root}' could be decoded; the first is '{_source.Files[siblings[0]].Name}'."));
    }

    /// <summary>Reads and transforms one file; null on success, else why it failed.</summary>
    private string? TryDecode(int index, Span<byte> destination)
    {
        try
        {
            using var stream = _source.Open(index);
            _transform.ResizeInto(stream, "it", destination);
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return e.Message;
        }
    }
}
