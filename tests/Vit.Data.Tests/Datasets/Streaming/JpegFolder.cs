using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace Vit.Data.Tests;

/// <summary>Writes class folders of photo-like JPEGs (smooth colour fields with seeded noise) for dataset tests.</summary>
internal static class JpegFolder
{
    /// <summary>Writes <paramref name="count"/> images, alternating between <paramref name="classes"/> class folders.</summary>
    /// <returns>The written files, in writing order.</returns>
    public static IReadOnlyList<string> Write(string root, int count, int width, int height, int classes = 2, int seed = 23)
    {
        var random = new Random(seed);
        var files = new List<string>();
        byte[] pixels = new byte[width * height * 4];
        for (int i = 0; i < count; i++)
        {
            string folder = Path.Combine(root, $"class{i % classes}");
            Directory.CreateDirectory(folder);
            double fx = 2 + (random.NextDouble() * 10), fy = 2 + (random.NextDouble() * 10);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int p = 4 * ((y * width) + x);
                    pixels[p] = (byte)Math.Clamp(128 + (100 * Math.Sin(x / fx) * Math.Cos(y / fy)) + random.Next(-12, 13), 0, 255);
                    pixels[p + 1] = (byte)Math.Clamp((255 * x / width) + random.Next(-12, 13), 0, 255);
                    pixels[p + 2] = (byte)Math.Clamp((255 * y / height) + random.Next(-12, 13), 0, 255);
                    pixels[p + 3] = 255;
                }
            }

            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            string path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D5}.jpg"));
            File.WriteAllBytes(path, data.ToArray());
            files.Add(path);
        }

        return files;
    }
}
