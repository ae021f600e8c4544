using System.IO.Compression;

namespace Vit.Data;

/// <summary>Opens data files (gzip detected by its magic bytes, not the name) and reads them with clear errors.</summary>
internal static class DataFile
{
    public static void RequireExists(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        }
    }

    /// <summary>Reads the whole file, decompressing gzip. The returned bytes are what offsets in messages refer to.</summary>
    public static byte[] ReadAll(string path, out bool compressed)
    {
        RequireExists(path);
        byte[] raw = File.ReadAllBytes(path);
        compressed = raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B;
        if (!compressed)
        {
            return raw;
        }

        try
        {
            using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 4);
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"'{path}' is a damaged or truncated gzip file: {e.Message}", e);
        }
    }

    /// <summary>Describes an offset for messages: decompressed offsets say so.</summary>
    public static string Offset(long offset, bool compressed) =>
        compressed ? $"offset {offset} of the decompressed data" : $"offset {offset}";
}
