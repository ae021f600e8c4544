using System.Globalization;
using SkiaSharp;
using Vit.Input;

namespace Vit.Images;

/// <summary>
/// Decodes untrusted images with SkiaSharp: the size the header declares is checked against
/// <see cref="InputLimits.MaxImagePixels"/> before any pixel is allocated (a 12-byte WBMP may declare 65,535 px a side),
/// and only complete images are accepted (SkiaSharp fills a truncated PNG or JPEG with zeros and calls that a partial
/// success). Compiled into Vit.Data and Vit.Inference so both readers accept and reject the same files.
/// </summary>
internal static class BoundedImageDecoder
{
    /// <summary>Opens a codec on <paramref name="stream"/> and checks the declared size.</summary>
    /// <param name="stream">The encoded image (seekable streams avoid a copy).</param>
    /// <param name="source">The file or stream, for messages (e.g. <c>'a.png'</c>).</param>
    /// <returns>The codec; dispose it.</returns>
    /// <exception cref="InvalidDataException">The bytes are not an image SkiaSharp can decode, or it declares too many pixels.</exception>
    public static SKCodec Open(Stream stream, string source) =>
        TryOpen(stream, source)
            ?? throw new InvalidDataException($"{source} is not an image SkiaSharp can decode (PNG, JPEG, WebP, GIF or BMP expected), or it is damaged.");

    /// <summary>Opens a codec on <paramref name="stream"/> and checks the declared size; null when SkiaSharp knows no such format.</summary>
    /// <exception cref="InvalidDataException">The image declares too many pixels.</exception>
    public static SKCodec? TryOpen(Stream stream, string source)
    {
        var codec = SKCodec.Create(stream);
        if (codec is null)
        {
            return null;
        }

        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > InputLimits.MaxImagePixels)
        {
            codec.Dispose();
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source} declares {info.Width}x{info.Height} pixels; Vit decodes images of at most {InputLimits.MaxImagePixels} pixels (Pillow's MAX_IMAGE_PIXELS)."));
        }

        return codec;
    }

    /// <summary>
    /// Decodes every pixel as unpremultiplied RGBA at the full size. Never at a reduced one: SkiaSharp 2.88.6's JPEG codec
    /// crashes the process (SIGSEGV) on any size other than the full one, and GetScaledDimensions crashes too (the fuzz
    /// corpus's image-folder cases found it), so the declared-size check is what bounds the decode.
    /// </summary>
    /// <exception cref="InvalidDataException">The image is truncated or damaged.</exception>
    public static SKBitmap DecodeRgba(SKCodec codec, string source)
    {
        var size = codec.Info.Size;
        var bitmap = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidDataException($"{source} could not be decoded: SkiaSharp reported {result}{(result == SKCodecResult.IncompleteInput ? " (the file is truncated)" : string.Empty)}.");
        }

        return bitmap;
    }
}
