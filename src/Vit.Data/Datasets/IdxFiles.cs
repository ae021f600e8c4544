using System.Buffers.Binary;
using Vit.Input;

namespace Vit.Data;

/// <summary>
/// Loads IDX files (LeCun's MNIST format, also used by Fashion-MNIST), gzip-compressed or raw, into an
/// <see cref="InMemoryImageDataset"/>: an images file of unsigned bytes [N, rows, cols] and a labels file of unsigned bytes [N].
/// </summary>
public static class IdxFiles
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    // Trailing bytes are counted for the message up to here: a gzip bomb's tail is not inflated to count it.
    private const long TrailingBytesCounted = 16L * 1024 * 1024;

    /// <summary>Loads an images file and a labels file into one grayscale dataset.</summary>
    /// <param name="imagesPath">The IDX3 images file (e.g. <c>train-images-idx3-ubyte.gz</c>).</param>
    /// <param name="labelsPath">The IDX1 labels file.</param>
    /// <param name="classNames">Class names; <see langword="null"/> names the classes "0", "1", … up to the largest label.</param>
    /// <returns>A dataset of N 1-channel images.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is not a regular file, is truncated, has a wrong magic number or extra bytes, declares more data than it
    /// can hold or than one array holds, the counts disagree, or a label is outside the class names; the message names
    /// the file and the offset or index. Gzip files are inflated as they are read, never whole.
    /// </exception>
    public static InMemoryImageDataset Load(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        byte[] pixels;
        int[] dims;
        using (var images = DataFileReader.Open(imagesPath))
        {
            dims = ReadHeader(images, ImagesMagic);
            pixels = ReadData(images, dims);
        }

        byte[] labelBytes;
        using (var labelsFile = DataFileReader.Open(labelsPath))
        {
            int labelCount = ReadHeader(labelsFile, LabelsMagic)[0];
            if (labelCount != dims[0])
            {
                throw new InvalidDataException(
                    $"'{labelsPath}' holds {labelCount} labels but '{imagesPath}' holds {dims[0]} images.");
            }

            labelBytes = ReadData(labelsFile, [labelCount]);
        }

        const int labelsStart = 8;
        int[] labels = new int[labelBytes.Length];
        int maxLabel = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            maxLabel = Math.Max(maxLabel, labels[i]);
        }

        bool labelsCompressed = IsGzip(labelsPath);
        classNames ??= [.. Enumerable.Range(0, maxLabel + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classNames.Count)
            {
                throw new InvalidDataException(
                    $"'{labelsPath}': label {labels[i]} of sample {i} (at {DataFile.Offset(labelsStart + i, labelsCompressed)}) " +
                    $"is outside the {classNames.Count} classes [0, {classNames.Count}).");
            }
        }

        return new InMemoryImageDataset(pixels, labels, 1, dims[1], dims[2], classNames, $"{imagesPath}, {labelsPath}");
    }

    /// <summary>Reads and checks the magic number and the dimensions, before anything the dimensions size is allocated.</summary>
    private static int[] ReadHeader(DataFileReader file, int expectedMagic)
    {
        int rank = expectedMagic & 0xFF;
        int headerSize = 4 + (4 * rank);
        string kind = rank == 1 ? "labels" : "images";
        Span<byte> header = stackalloc byte[headerSize];
        int read = file.Fill(header[..4]);
        if (read < 4)
        {
            throw new InvalidDataException(
                $"'{file.Path}' is truncated: an IDX {kind} file starts with a 4-byte magic number but the file ends at {file.Offset(read)}.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException(
                $"'{file.Path}' has magic number 0x{magic:X8} at offset 0; expected 0x{expectedMagic:X8} " +
                $"(unsigned bytes, {rank} dimension{(rank == 1 ? "" : "s")}: an IDX {kind} file).");
        }

        read = 4 + file.Fill(header[4..]);
        if (read < headerSize)
        {
            throw new InvalidDataException(
                $"'{file.Path}' is truncated: its IDX header needs {headerSize} bytes but the file ends at {file.Offset(read)}.");
        }

        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + (4 * d))..]);
            if (dims[d] < 0 || (d > 0 && dims[d] == 0))
            {
                throw new InvalidDataException($"'{file.Path}' has dimension {d} = {dims[d]} at offset {4 + (4 * d)}; expected a positive size.");
            }
        }

        return dims;
    }

    /// <summary>
    /// Reads the data the header declares: its size is checked against what the file can hold and what one array holds
    /// before it is allocated, and nothing may follow it.
    /// </summary>
    private static byte[] ReadData(DataFileReader file, int[] dims)
    {
        long headerSize = file.Position;
        Int128 declared = 1;
        foreach (int d in dims)
        {
            declared *= d; // three factors below 2^31 fit in 128 bits
        }

        string shape = $"[{string.Join(", ", dims)}]";
        Int128 declaredTotal = headerSize + declared;
        if (!file.Compressed && file.Capacity < declaredTotal)
        {
            throw new InvalidDataException(
                $"'{file.Path}' is truncated: its header {shape} needs {declaredTotal} bytes but the data ends at " +
                $"{file.Offset(file.Capacity)} (inside sample {(file.Capacity - headerSize) / Math.Max(1, (long)(declared / Math.Max(1, dims[0])))}).");
        }

        if (declared > InputLimits.MaxDatasetBytes || declaredTotal > file.Capacity)
        {
            throw file.TooLarge(shape, declared);
        }

        long expected = (long)declared, total = headerSize + expected;
        byte[] data = new byte[expected];
        int read = file.Fill(data);
        if (read < expected)
        {
            throw Truncated(file, shape, total, headerSize + read, expected, dims[0]);
        }

        long extra = file.CountRemaining(TrailingBytesCounted);
        if (extra > 0)
        {
            string count = extra > TrailingBytesCounted ? $"more than {TrailingBytesCounted}" : $"{extra}";
            throw new InvalidDataException($"'{file.Path}' has {count} unexpected bytes after its data, starting at {file.Offset(total)}.");
        }

        file.ThrowUnlessGzipTrailerMatches(total);

        return data;
    }

    private static InvalidDataException Truncated(DataFileReader file, string shape, long total, long end, long expected, int samples) => new(
        $"'{file.Path}' is truncated: its header {shape} needs {total} bytes but the data ends at " +
        $"{file.Offset(end)} (inside sample {(end - (total - expected)) / Math.Max(1, expected / Math.Max(1, samples))}).");

    private static bool IsGzip(string path)
    {
        using var file = RegularFile.OpenRead(path, bufferSize: 1);
        return file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
    }
}
