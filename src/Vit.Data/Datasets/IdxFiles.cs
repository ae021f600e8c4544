using System.Buffers.Binary;

namespace Vit.Data;

/// <summary>
/// Loads IDX files (LeCun's MNIST format, also used by Fashion-MNIST), gzip-compressed or raw, into an
/// <see cref="InMemoryImageDataset"/>: an images file of unsigned bytes [N, rows, cols] and a labels file of unsigned bytes [N].
/// </summary>
public static class IdxFiles
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    /// <summary>Loads an images file and a labels file into one grayscale dataset.</summary>
    /// <param name="imagesPath">The IDX3 images file (e.g. <c>train-images-idx3-ubyte.gz</c>).</param>
    /// <param name="labelsPath">The IDX1 labels file.</param>
    /// <param name="classNames">Class names; <see langword="null"/> names the classes "0", "1", … up to the largest label.</param>
    /// <returns>A dataset of N 1-channel images.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is truncated, has a wrong magic number or extra bytes, the counts disagree, or a label is outside the
    /// class names; the message names the file and the offset or index.
    /// </exception>
    public static InMemoryImageDataset Load(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        byte[] images = DataFile.ReadAll(imagesPath, out bool imagesCompressed);
        int[] dims = ReadHeader(images, imagesPath, imagesCompressed, ImagesMagic);
        byte[] labelBytes = DataFile.ReadAll(labelsPath, out bool labelsCompressed);
        int labelCount = ReadHeader(labelBytes, labelsPath, labelsCompressed, LabelsMagic)[0];
        if (labelCount != dims[0])
        {
            throw new InvalidDataException(
                $"'{labelsPath}' holds {labelCount} labels but '{imagesPath}' holds {dims[0]} images.");
        }

        const int labelsStart = 8;
        int[] labels = new int[labelCount];
        int maxLabel = 0;
        for (int i = 0; i < labelCount; i++)
        {
            labels[i] = labelBytes[labelsStart + i];
            maxLabel = Math.Max(maxLabel, labels[i]);
        }

        classNames ??= [.. Enumerable.Range(0, maxLabel + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        for (int i = 0; i < labelCount; i++)
        {
            if (labels[i] >= classNames.Count)
            {
                throw new InvalidDataException(
                    $"'{labelsPath}': label {labels[i]} of sample {i} (at {DataFile.Offset(labelsStart + i, labelsCompressed)}) " +
                    $"is outside the {classNames.Count} classes [0, {classNames.Count}).");
            }
        }

        const int imagesStart = 16;
        return new InMemoryImageDataset(
            images.AsSpan(imagesStart), labels, 1, dims[1], dims[2], classNames, $"{imagesPath}, {labelsPath}");
    }

    /// <summary>Checks the magic number and the size, and returns the dimensions.</summary>
    private static int[] ReadHeader(byte[] data, string path, bool compressed, int expectedMagic)
    {
        int rank = expectedMagic & 0xFF;
        int headerSize = 4 + (4 * rank);
        string kind = rank == 1 ? "labels" : "images";
        if (data.Length < 4)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: an IDX {kind} file starts with a 4-byte magic number but the file ends at {DataFile.Offset(data.Length, compressed)}.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(data);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException(
                $"'{path}' has magic number 0x{magic:X8} at offset 0; expected 0x{expectedMagic:X8} " +
                $"(unsigned bytes, {rank} dimension{(rank == 1 ? "" : "s")}: an IDX {kind} file).");
        }

        if (data.Length < headerSize)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: its IDX header needs {headerSize} bytes but the file ends at {DataFile.Offset(data.Length, compressed)}.");
        }

        int[] dims = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 + (4 * d)));
            if (dims[d] < 0 || (d > 0 && dims[d] == 0))
            {
                throw new InvalidDataException($"'{path}' has dimension {d} = {dims[d]} at offset {4 + (4 * d)}; expected a positive size.");
            }

            expected *= dims[d];
        }

        long total = headerSize + expected;
        if (data.Length < total)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: its header [{string.Join(", ", dims)}] needs {total} bytes but the data ends at " +
                $"{DataFile.Offset(data.Length, compressed)} (inside sample {(data.Length - headerSize) / (expected / Math.Max(1, dims[0]))}).");
        }

        if (data.Length > total)
        {
            throw new InvalidDataException(
                $"'{path}' has {data.Length - total} unexpected bytes after its data, starting at {DataFile.Offset(total, compressed)}.");
        }

        return dims;
    }
}
