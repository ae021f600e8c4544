using System.Buffers.Binary;
using System.IO.Compression;

namespace Vit.Samples.Inference;

/// <summary>
/// Reads samples of an IDX images file and its labels file (plain or .gz) without TorchSharp, so <c>--engine onnx</c>
/// runs with no libtorch in the process.
/// </summary>
internal static class IdxFile
{
    /// <summary>The samples' uint8 pixels ([rows * cols] each), side and labels.</summary>
    /// <exception cref="UsageException">A file is not IDX, or an index is outside it.</exception>
    public static (List<byte[]> Pixels, int Size, List<int> Labels) Read(string images, string labels, IReadOnlyList<int> samples)
    {
        byte[] data = ReadAll(images);
        byte[] labelData = ReadAll(labels);
        if (data.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(data) != 0x00000803)
        {
            throw new UsageException($"IDX input '{images}' is not an IDX images file (magic 0x00000803 expected).");
        }

        if (labelData.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(labelData) != 0x00000801)
        {
            throw new UsageException($"'{labels}' is not an IDX labels file (magic 0x00000801 expected).");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4)), rows = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(8)), cols = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(12));
        if (rows != cols || data.Length < 16 + ((long)count * rows * cols) || labelData.Length < 8 + count)
        {
            throw new UsageException($"IDX input '{images}' is truncated or not square ({count} x {rows} x {cols}).");
        }

        var pixels = new List<byte[]>();
        var classes = new List<int>();
        foreach (int index in samples)
        {
            if (index < 0 || index >= count)
            {
                throw new UsageException($"--samples: index {index} is outside '{images}' (0..{count - 1}).");
            }

            pixels.Add(data.AsSpan(16 + (index * rows * cols), rows * cols).ToArray());
            classes.Add(labelData[8 + index]);
        }

        return (pixels, rows, classes);
    }

    private static byte[] ReadAll(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var buffer = new MemoryStream();
        try
        {
            stream.CopyTo(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }

        return buffer.ToArray();
    }
}
