using SkiaSharp;

namespace Vit.Data;

/// <summary>Decodes one image file with SkiaSharp into planar uint8 pixels.</summary>
internal static class SkiaImageDecoder
{
    /// <summary>The message for a file SkiaSharp cannot decode.</summary>
    public const string Undecodable = "SkiaSharp could not decode it (not a supported image, or damaged).";

    /// <summary>Reads an image's size from its header, or null when it cannot be decoded.</summary>
    public static (int Height, int Width)? TryReadSize(string path)
    {
        using var codec = Create(path);
        return codec is null ? null : (codec.Info.Height, codec.Info.Width);
    }

    /// <summary>Decodes into <paramref name="destination"/> (C·H·W bytes); returns null or why it failed.</summary>
    public static string? Decode(string path, int channels, int height, int width, bool resize, Span<byte> destination)
    {
        using var source = CreateBitmap(path);
        if (source is null)
        {
            return Undecodable;
        }

        if (!resize && (source.Height != height || source.Width != width))
        {
            return $"its size {source.Width}x{source.Height} differs from the dataset's {width}x{height}; set ImageFolderOptions.Height and Width to resize.";
        }

        using var rgba = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!source.ScalePixels(rgba, SKFilterQuality.High))
        {
            return $"SkiaSharp could not convert it from {source.ColorType} to RGBA.";
        }

        ReadOnlySpan<byte> pixels = rgba.GetPixelSpan();
        int plane = height * width;
        for (int p = 0; p < plane; p++)
        {
            byte r = pixels[4 * p], g = pixels[(4 * p) + 1], b = pixels[(4 * p) + 2];
            if (channels == 1)
            {
                destination[p] = (byte)(((299 * r) + (587 * g) + (114 * b) + 500) / 1000);
            }
            else
            {
                destination[p] = r;
                destination[plane + p] = g;
                destination[(2 * plane) + p] = b;
            }
        }

        return null;
    }

    private static SKCodec? Create(string path) => Guard(() => SKCodec.Create(path));

    private static SKBitmap? CreateBitmap(string path) => Guard(() => SKBitmap.Decode(path));

    /// <summary>Turns a missing native library into a message that says which package to add.</summary>
    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            throw new InvalidOperationException(
                "SkiaSharp's native library (libSkiaSharp) could not be loaded. On Linux reference the package " +
                "SkiaSharp.NativeAssets.Linux.NoDependencies 2.88.6 in your application (Vit.Data brings it through TorchVision).",
                e);
        }
    }
}
