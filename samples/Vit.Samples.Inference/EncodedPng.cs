using System.Runtime.InteropServices;
using SkiaSharp;

namespace Vit.Samples.Inference;

/// <summary>Encodes planar uint8 pixels (an IDX sample) as PNG bytes in memory, lossless, for ImageClassifier.</summary>
internal static class EncodedPng
{
    /// <summary>PNG bytes of a 1-channel (grayscale) or 3-channel (RGB) square image.</summary>
    public static byte[] FromPlanar(byte[] pixels, int channels, int size)
    {
        int plane = size * size;
        byte[] rgba = new byte[plane * 4];
        for (int p = 0; p < plane; p++)
        {
            rgba[4 * p] = pixels[p];
            rgba[(4 * p) + 1] = pixels[channels == 1 ? p : plane + p];
            rgba[(4 * p) + 2] = pixels[channels == 1 ? p : (2 * plane) + p];
            rgba[(4 * p) + 3] = 255;
        }

        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
