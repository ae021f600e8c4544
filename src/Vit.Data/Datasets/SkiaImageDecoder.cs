using SkiaSharp;
using Vit.Images;
using Vit.Input;

namespace Vit.Data;

/// <summary>
/// Decodes one image file with SkiaSharp into planar uint8 pixels, with the checks <see cref="BoundedImageDecoder"/>
/// shares with Vit.Inference's ImageClassifier: regular files only, declared size bounded, truncated files rejected.
/// </summary>
internal static class SkiaImageDecoder
{
    /// <summary>The message for a file SkiaSharp cannot decode.</summary>
    public const string Undecodable = "SkiaSharp could not decode it (not a supported image, or damaged).";

    private const string Source = "the file";

    /// <summary>Reads an image's size from its header; returns null, or why it cannot be used.</summary>
    public static string? TryReadSize(string path, out (int Height, int Width) size)
    {
        size = default;
        return Guard(() =>
        {
            using var stream = RegularFile.OpenRead(path, bufferSize: 1 << 16);
            using var codec = BoundedImageDecoder.TryOpen(stream, Source);
            if (codec is null)
            {
                return (Undecodable, default((int, int)));
            }

            return (null, (codec.Info.Height, codec.Info.Width));
        }, out size);
    }

    /// <summary>Decodes into <paramref name="destination"/> (C·H·W bytes); returns null or why it failed.</summary>
    public static string? Decode(string path, int channels, int height, int width, bool resize, Span<byte> destination)
    {
        byte[] rgba;
        string? failure = Guard(() =>
        {
            using var stream = RegularFile.OpenRead(path, bufferSize: 1 << 16);
            using var codec = BoundedImageDecoder.TryOpen(stream, Source);
            if (codec is null)
            {
                return (Undecodable, Array.Empty<byte>());
            }

            if (!resize && (codec.Info.Height != height || codec.Info.Width != width))
            {
                return ($"its size {codec.Info.Width}x{codec.Info.Height} differs from the dataset's {width}x{height}; set ImageFolderOptions.Height and Width to resize.", Array.Empty<byte>());
            }

            using var decoded = BoundedImageDecoder.DecodeRgba(codec, Source);
            if (decoded.Width == width && decoded.Height == height)
            {
                return (null, decoded.GetPixelSpan().ToArray());
            }

            using var scaled = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            return decoded.ScalePixels(scaled, SKFilterQuality.High)
                ? (null, scaled.GetPixelSpan().ToArray())
                : ($"SkiaSharp could not resize it from {decoded.Width}x{decoded.Height} to {width}x{height}.", Array.Empty<byte>());
        }, out rgba);
        if (failure is not null)
        {
            return failure;
        }

        int plane = height * width;
        for (int p = 0; p < plane; p++)
        {
            byte r = rgba[4 * p], g = rgba[(4 * p) + 1], b = rgba[(4 * p) + 2];
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

    /// <summary>
    /// Runs a decoding step: a bad file (special, unreadable, declaring too many pixels, truncated) becomes its message; a missing native library becomes a message that says which package to add.
    /// </summary>
    private static string? Guard<T>(Func<(string? Failure, T Value)> action, out T value)
    {
        value = default!;
        try
        {
            (string? failure, value) = action();
            return failure;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return e.Message;
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
