using SkiaSharp;
using Vit.Core;

namespace Vit.Samples;

/// <summary>Saves Skia surfaces as PNG files, atomically.</summary>
internal static class PngFile
{
    /// <summary>Encodes the surface's pixels as PNG into <paramref name="path"/> (temp file + rename).</summary>
    /// <param name="surface">What was drawn.</param>
    /// <param name="path">The file to create or replace.</param>
    public static void Save(SKSurface surface, string path)
    {
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, png.SaveTo);
    }

    /// <summary>Encodes a bitmap as PNG into <paramref name="path"/> (temp file + rename).</summary>
    /// <param name="bitmap">The pixels.</param>
    /// <param name="path">The file to create or replace.</param>
    public static void Save(SKBitmap bitmap, string path)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, png.SaveTo);
    }
}
