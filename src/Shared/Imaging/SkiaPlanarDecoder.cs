using Vit.Images;

namespace Vit.Imaging;

/// <summary>
/// Decodes an encoded image with SkiaSharp into planes as Pillow's <c>convert("RGB")</c> / <c>convert("L")</c> give
/// them: alpha dropped (colours unpremultiplied, not composited), grey by Pillow's fixed-point ITU-R 601-2 luma.
/// Compiled into Vit.Inference and Vit.Data, so serving and training decode the same bytes to the same pixels.
/// </summary>
internal static class SkiaPlanarDecoder
{
    /// <summary>Decodes <paramref name="image"/> into <paramref name="channels"/> planes.</summary>
    /// <param name="image">The encoded bytes (PNG, JPEG, WebP, GIF, BMP).</param>
    /// <param name="source">How messages name the image, e.g. a quoted path.</param>
    /// <param name="channels">1 (grey) or 3 (RGB).</param>
    /// <returns>The planes.</returns>
    /// <exception cref="InvalidDataException">
    /// The bytes are not an image SkiaSharp can decode, are truncated, or declare more pixels than
    /// <see cref="Vit.Input.InputLimits.MaxImagePixels"/>; the message names <paramref name="source"/>.
    /// </exception>
    public static PlanarImage Decode(Stream image, string source, int channels)
    {
        using var codec = BoundedImageDecoder.Open(image, source);
        using var bitmap = BoundedImageDecoder.DecodeRgba(codec, source);
        var info = bitmap.Info;
        int width = info.Width, height = info.Height, count = width * height;
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        var planes = new byte[channels][];
        for (int c = 0; c < channels; c++)
        {
            planes[c] = new byte[count];
        }

        for (int p = 0; p < count; p++)
        {
            byte r = rgba[4 * p], g = rgba[(4 * p) + 1], b = rgba[(4 * p) + 2];
            if (channels == 1)
            {
                // Pillow's RGB -> L: ITU-R 601-2 luma in 16-bit fixed point.
                planes[0][p] = (byte)(((r * 19595) + (g * 38470) + (b * 7471) + 0x8000) >> 16);
            }
            else
            {
                planes[0][p] = r;
                planes[1][p] = g;
                planes[2][p] = b;
            }
        }

        return new PlanarImage(planes, width, height);
    }
}
