using System.Globalization;
using Vit.Input;

namespace Vit.Data;

/// <summary>
/// Loads the binary files of CIFAR-10 and CIFAR-100 (Krizhevsky 2009) into an <see cref="InMemoryImageDataset"/>:
/// fixed-size records of label byte(s) followed by 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major).
/// </summary>
public static class CifarFiles
{
    /// <summary>The CIFAR-10 class names, used when <c>batches.meta.txt</c> is absent.</summary>
    public static IReadOnlyList<string> Cifar10ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private const int ImageBytes = 3 * 32 * 32;

    /// <summary>Loads CIFAR-10 from the extracted <c>cifar-10-batches-bin</c> folder.</summary>
    /// <param name="directory">The folder holding <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> and <c>test_batch.bin</c>.</param>
    /// <param name="train"><see langword="true"/> for the 50,000 training images, <see langword="false"/> for the 10,000 test images.</param>
    /// <returns>A dataset of 3x32x32 images.</returns>
    /// <exception cref="FileNotFoundException">A batch file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is truncated or holds a label outside the classes (message names file, record and offset).</exception>
    public static InMemoryImageDataset LoadCifar10(string directory, bool train)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string[] files = train
            ? [.. Enumerable.Range(1, 5).Select(i => Path.Combine(directory, $"data_batch_{i}.bin"))]
            : [Path.Combine(directory, "test_batch.bin")];
        var names = ReadNames(Path.Combine(directory, "batches.meta.txt")) ?? Cifar10ClassNames;
        return LoadFiles(files, labelBytes: 1, labelOffset: 0, names);
    }

    /// <summary>Loads CIFAR-100 from the extracted <c>cifar-100-binary</c> folder.</summary>
    /// <param name="directory">The folder holding <c>train.bin</c> and <c>test.bin</c>.</param>
    /// <param name="train"><see langword="true"/> for the 50,000 training images, <see langword="false"/> for the 10,000 test images.</param>
    /// <param name="coarseLabels"><see langword="true"/> for the 20 superclasses, <see langword="false"/> for the 100 classes.</param>
    /// <returns>A dataset of 3x32x32 images; class names come from <c>fine_label_names.txt</c> /
    /// <c>coarse_label_names.txt</c> when present, else "0", "1", ….</returns>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or holds a label outside the classes.</exception>
    public static InMemoryImageDataset LoadCifar100(string directory, bool train, bool coarseLabels = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        int classes = coarseLabels ? 20 : 100;
        var names = ReadNames(Path.Combine(directory, coarseLabels ? "coarse_label_names.txt" : "fine_label_names.txt"))
            ?? [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        string file = Path.Combine(directory, train ? "train.bin" : "test.bin");
        return LoadFiles([file], labelBytes: 2, labelOffset: coarseLabels ? 0 : 1, names);
    }

    /// <summary>Loads CIFAR-format record files and concatenates them in the given order.</summary>
    /// <param name="files">The files.</param>
    /// <param name="labelBytes">Label bytes per record: 1 for CIFAR-10, 2 for CIFAR-100 (coarse, fine).</param>
    /// <param name="labelOffset">Which of the label bytes is the label (CIFAR-100: 0 coarse, 1 fine).</param>
    /// <param name="classNames">The class names; every label must be below their count.</param>
    /// <returns>A dataset of 3x32x32 images.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not a regular file, is truncated, holds a label outside the classes, or the files hold more than one array can.</exception>
    public static InMemoryImageDataset LoadFiles(IReadOnlyList<string> files, int labelBytes, int labelOffset, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(labelBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(labelOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(labelOffset, labelBytes);
        int recordSize = labelBytes + ImageBytes;
        long records = 0;
        foreach (string file in files)
        {
            DataFile.RequireExists(file);
            long length = new FileInfo(file).Length;
            if (length == 0 || length % recordSize != 0)
            {
                long whole = length / recordSize;
                throw new InvalidDataException(
                    $"'{file}' is truncated: {length} bytes is not a whole number of {recordSize}-byte records; " +
                    $"record {whole} starting at offset {whole * recordSize} is incomplete.");
            }

            records += length / recordSize;
            if (records * ImageBytes > InputLimits.MaxDatasetBytes)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{file}' brings the images to {records} records of {ImageBytes} pixel bytes, more than the {InputLimits.MaxDatasetBytes} bytes one in-memory dataset holds."));
            }
        }

        byte[] pixels = new byte[records * ImageBytes];
        int[] labels = new int[records];
        byte[] record = new byte[recordSize];
        int sample = 0;
        foreach (string file in files)
        {
            using var stream = RegularFile.OpenRead(file, bufferSize: 1 << 16);
            for (long r = 0, count = stream.Length / recordSize; r < count; r++, sample++)
            {
                long offset = r * recordSize;
                stream.ReadExactly(record);
                int label = record[labelOffset];
                if (label >= classNames.Count)
                {
                    throw new InvalidDataException(
                        $"'{file}': label {label} of record {r} (at offset {offset + labelOffset}) is outside the {classNames.Count} classes [0, {classNames.Count}).");
                }

                labels[sample] = label;
                Buffer.BlockCopy(record, labelBytes, pixels, sample * ImageBytes, ImageBytes);
            }
        }

        return new InMemoryImageDataset(pixels, labels, 3, 32, 32, classNames, string.Join(", ", files));
    }

    private static string[]? ReadNames(string path)
    {
        RegularFile.ThrowIfSpecial(path);
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new StreamReader(RegularFile.OpenRead(path, InputLimits.MaxNamesFileBytes));
        return [.. reader.ReadToEnd().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }
}
