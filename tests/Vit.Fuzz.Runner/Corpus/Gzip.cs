using System.IO.Compression;

namespace Vit.Fuzz;

/// <summary>Gzip helpers for cases.</summary>
public static class Gzip
{
    /// <summary>Compresses bytes.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Writes a gzip file of <paramref name="prefix"/> followed by about <paramref name="zeros"/> zero bytes: one
    /// compressed 64 MiB member of zeros repeated (gzip members concatenate), so a bomb is made in a moment.
    /// </summary>
    public static void WriteWithZeros(string path, byte[] prefix, long zeros)
    {
        const int block = 64 << 20;
        byte[] member = Compress(new byte[block]);
        using var file = File.Create(path);
        file.Write(Compress(prefix));
        for (long left = zeros; left > 0; left -= block)
        {
            file.Write(member);
        }
    }
}
