using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Vit.Data;

/// <summary>
/// One of Fashion-MNIST's four upstream files: its name, its decompressed length and the SHA-256 of its decompressed
/// bytes, so that a truncated, corrupted or swapped file is refused before anything trains on it.
/// </summary>
/// <param name="FileName">The upstream name, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="Length">The decompressed length in bytes.</param>
/// <param name="Sha256">The SHA-256 of the decompressed bytes, lower-case hex.</param>
internal sealed record FashionMnistFile(string FileName, long Length, string Sha256)
{
    public static FashionMnistFile TrainImages { get; } = new("train-images-idx3-ubyte.gz", 47_040_016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");

    public static FashionMnistFile TrainLabels { get; } = new("train-labels-idx1-ubyte.gz", 60_008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9");

    public static FashionMnistFile TestImages { get; } = new("t10k-images-idx3-ubyte.gz", 7_840_016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b");

    public static FashionMnistFile TestLabels { get; } = new("t10k-labels-idx1-ubyte.gz", 10_008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

    /// <summary>Gets the file's path inside <paramref name="directory"/>.</summary>
    public string In(string directory) => Path.Combine(directory, FileName);

    /// <summary>
    /// Checks the file in <paramref name="directory"/>: gzip or raw, its decompressed bytes must have this length and
    /// checksum. Reads at most one byte past the expected length, so a decompression bomb costs nothing.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, too long, damaged, or holds other data (the message names it).</exception>
    public void Verify(string directory)
    {
        string path = In(directory);
        DataFile.RequireExists(path);
        using var file = File.OpenRead(path);
        bool compressed = file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        using Stream data = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try
        {
            int read;
            while (total <= Length && (read = data.Read(buffer, 0, (int)Math.Min(buffer.Length, Length + 1 - total))) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"'{path}' is a damaged or truncated gzip file: {e.Message}", e);
        }

        string what = compressed ? "decompressed " : string.Empty;
        if (total != Length)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"'{path}' holds {(total > Length ? "more than " : string.Empty)}{Math.Min(total, Length + 1):N0} {what}bytes; Fashion-MNIST's {FileName} holds {Length:N0}: the file is truncated or is another file."));
        }

        string actual = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        if (actual != Sha256)
        {
            throw new InvalidDataException(
                $"'{path}': the SHA-256 of its {what}bytes is {actual}, but Fashion-MNIST's {FileName} has {Sha256}: the file is damaged or holds other data (another split's, or another dataset's).");
        }
    }
}
