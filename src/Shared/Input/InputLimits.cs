namespace Vit.Input;

/// <summary>
/// The documented bounds every reader checks before it allocates (docs/untrusted-input.md): a file may declare
/// anything, so what a reader allocates is bounded by these and by what the file can hold.
/// </summary>
internal static class InputLimits
{
    /// <summary>Pixels an image may declare (width x height): Pillow's <c>MAX_IMAGE_PIXELS</c>, 89,478,485.</summary>
    public const long MaxImagePixels = 1024L * 1024 * 1024 / 4 / 3;

    /// <summary>The largest model input side (<c>pretrained_cfg.input_size</c> height and width).</summary>
    public const int MaxInputSide = 4096;

    /// <summary>The largest channel count of a model input.</summary>
    public const int MaxInputChannels = 16;

    /// <summary>The largest side an image is resized to before the centre crop (<c>floor(size / crop_pct)</c>): a square image then stays within <see cref="MaxImagePixels"/>.</summary>
    public const int MaxResizeSide = 8192;

    /// <summary>The largest <c>crop_pct</c> (above 1 pads; the writer's own limit).</summary>
    public const double MaxCropPct = 16;

    /// <summary>The largest magnitude of a normalisation mean (pixels are in [0, 1]).</summary>
    public const double MaxMeanMagnitude = 1e6;

    /// <summary>The smallest normalisation standard deviation: dividing by less overflows float32 for some pixel.</summary>
    public const double MinStd = 1e-6;

    /// <summary>The largest normalisation standard deviation.</summary>
    public const double MaxStd = 1e6;

    /// <summary>The largest JSON file a reader parses (config.json; label names for 100,000 classes fit easily).</summary>
    public const long MaxJsonBytes = 64L * 1024 * 1024;

    /// <summary>The deepest JSON nesting a reader accepts (System.Text.Json's default).</summary>
    public const int MaxJsonDepth = 64;

    /// <summary>The most bytes one in-memory dataset holds: one .NET array.</summary>
    public const long MaxDatasetBytes = 0x7FFFFFC7;

    /// <summary>Deflate's largest compression ratio (1032:1): a gzip file cannot inflate to more than this many times its size.</summary>
    public const long MaxDeflateRatio = 1032;

    /// <summary>The deepest folder nesting an image folder is searched to.</summary>
    public const int MaxFolderDepth = 64;

    /// <summary>The largest class-names text file (CIFAR's <c>batches.meta.txt</c> and the like).</summary>
    public const long MaxNamesFileBytes = 1024 * 1024;
}
