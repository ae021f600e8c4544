using System.Buffers.Binary;
using SkiaSharp;

namespace Vit.Fuzz;

/// <summary>
/// Image files for cases: real ones (encoded by SkiaSharp), truncated ones, and decompression bombs: a few bytes whose
/// header declares tens of thousands of pixels a side (issue 21, item 5).
/// </summary>
public static class Images
{
    /// <summary>A real image of noise, encoded.</summary>
    public static byte[] Real(SKEncodedImageFormat format, int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        byte[] pixels = new byte[width * height * 4];
        random.NextBytes(pixels);
        for (int i = 3; i < pixels.Length; i += 4)
        {
            pixels[i] = 255;
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>The first half of a real image.</summary>
    public static byte[] Truncated(SKEncodedImageFormat format) => Real(format, 64, 64)[..(Real(format, 64, 64).Length / 2)];

    /// <summary>A real PNG whose IHDR (CRC fixed) declares <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] PngBomb(int width, int height)
    {
        byte[] png = Real(SKEncodedImageFormat.Png, 8, 8);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>A real JPEG whose SOF marker declares <paramref name="width"/> x <paramref name="height"/> (at most 65,535).</summary>
    public static byte[] JpegBomb(int width, int height)
    {
        byte[] jpeg = Real(SKEncodedImageFormat.Jpeg, 8, 8);
        for (int i = 2; i < jpeg.Length - 9; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), (ushort)width);
                return jpeg;
            }
        }

        throw new InvalidOperationException("SkiaSharp's JPEG has no SOF marker.");
    }

    /// <summary>A 62-byte GIF declaring <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] GifBomb(int width, int height)
    {
        var gif = new List<byte>("GIF89a"u8.ToArray());
        gif.AddRange(U16(width));
        gif.AddRange(U16(height));
        gif.AddRange([0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2C, 0, 0, 0, 0]);
        gif.AddRange(U16(width));
        gif.AddRange(U16(height));
        gif.AddRange([0, 2, 2, 0x4C, 0x01, 0, 0x3B]);
        return [.. gif];
    }

    /// <summary>A 12-byte WBMP declaring <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] WbmpBomb(int width, int height) => [0, 0, .. UintVar(width), .. UintVar(height), 0, 0, 0, 0];

    /// <summary>A 58-byte BMP declaring <paramref name="width"/> x <paramref name="height"/> 24-bit pixels.</summary>
    public static byte[] BmpBomb(int width, int height)
    {
        byte[] bmp = new byte[58];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        return bmp;
    }

    /// <summary>Every bomb, named, each declaring about 50,000-65,535 px a side.</summary>
    public static IEnumerable<(string Name, string Extension, byte[] Bytes)> Bombs { get; } =
    [
        ("wbmp-65535", ".wbmp", WbmpBomb(65535, 65535)),
        ("gif-65535", ".gif", GifBomb(65535, 65535)),
        ("png-50000", ".png", PngBomb(50000, 50000)),
        ("png-100000", ".png", PngBomb(100000, 100000)),
        ("jpeg-65000", ".jpg", JpegBomb(65000, 65000)),
        ("bmp-60000", ".bmp", BmpBomb(60000, 60000)),
    ];

    private static byte[] U16(int value) => [(byte)value, (byte)(value >> 8)];

    private static byte[] UintVar(int value) => [(byte)(0x80 | (value >> 14)), (byte)(0x80 | ((value >> 7) & 0x7F)), (byte)(value & 0x7F)];

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
