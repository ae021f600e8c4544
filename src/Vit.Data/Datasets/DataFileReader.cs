using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Vit.Input;

namespace Vit.Data;

/// <summary>
/// Reads a data file front to back, inflating gzip (detected by its magic bytes, not the name) as it goes, never whole:
/// a reader reads the header first and allocates only what <see cref="Capacity"/> says the file can hold.
/// </summary>
internal sealed class DataFileReader : IDisposable
{
    private const int DrainBufferSize = 64 * 1024;
    private readonly Stream _stream;
    private readonly FileStream _file;

    private DataFileReader(string path, FileStream file, Stream stream, bool compressed, long capacity)
    {
        Path = path;
        _file = file;
        _stream = stream;
        Compressed = compressed;
        Capacity = capacity;
    }

    /// <summary>Gets the file.</summary>
    public string Path { get; }

    /// <summary>Gets a value indicating whether the file is gzip (offsets are then of the decompressed data).</summary>
    public bool Compressed { get; }

    /// <summary>Gets the most bytes the content can have: the file's length, or deflate's 1032:1 bound on its inflation.</summary>
    public long Capacity { get; }

    /// <summary>Gets the content bytes read so far.</summary>
    public long Position { get; private set; }

    /// <summary>Opens a regular file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The path is not a regular file.</exception>
    public static DataFileReader Open(string path)
    {
        DataFile.RequireExists(path);
        var file = RegularFile.OpenRead(path, bufferSize: 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            bool compressed = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            return compressed
                ? new DataFileReader(path, file, new GZipStream(file, CompressionMode.Decompress), true, checked(file.Length * InputLimits.MaxDeflateRatio))
                : new DataFileReader(path, file, file, false, file.Length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="buffer"/> as far as the content goes; returns how many bytes were read.</summary>
    /// <exception cref="InvalidDataException">The gzip stream is damaged.</exception>
    public int Fill(Span<byte> buffer)
    {
        try
        {
            int read = _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            Position += read;
            return read;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw Damaged(e);
        }
    }

    /// <summary>Counts the bytes left, reading at most <paramref name="limit"/> of them (in small pieces).</summary>
    /// <returns>The count, or <paramref name="limit"/> + 1 when there are more.</returns>
    public long CountRemaining(long limit)
    {
        byte[] buffer = new byte[DrainBufferSize];
        long count = 0;
        while (count <= limit)
        {
            int read;
            try
            {
                read = _stream.Read(buffer, 0, buffer.Length);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw Damaged(e);
            }

            if (read == 0)
            {
                return count;
            }

            count += read;
        }

        return limit + 1;
    }

    /// <summary>
    /// Throws unless a gzip file ends with its trailer: .NET's GZipStream stops at bytes after the gzip data that are
    /// not another gzip member and says nothing, so the file's last 4 bytes (ISIZE, the inflated length mod 2^32) must
    /// match what was inflated. A file of several joined gzip members fails this too; Vit reads one-member files only.
    /// </summary>
    /// <param name="inflated">The bytes the whole file inflated to.</param>
    /// <exception cref="InvalidDataException">The file does not end with the trailer of the data read.</exception>
    public void ThrowUnlessGzipTrailerMatches(long inflated)
    {
        if (!Compressed)
        {
            return;
        }

        Span<byte> trailer = stackalloc byte[4];
        long length = _file.Length;
        uint size = length >= 18 && RandomAccess.Read(_file.SafeFileHandle, trailer, length - 4) == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(trailer) : uint.MaxValue;
        if (size != (uint)inflated)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"'{Path}' does not end with the trailer of its gzip data: its last 4 bytes give a size of {size} but the data inflated to {inflated} bytes (bytes after the gzip data, or several gzip members joined; Vit reads files of one gzip member)."));
        }
    }

    /// <summary>An offset worded for messages.</summary>
    public string Offset(long offset) => DataFile.Offset(offset, Compressed);

    /// <summary>The error for a content that declares more than the file can hold or than Vit holds in memory.</summary>
    public InvalidDataException TooLarge(string what, Int128 bytes) => new(bytes > Capacity
        ? string.Create(CultureInfo.InvariantCulture, $"'{Path}' declares {what} = {bytes} bytes, more than the file can hold ({(Compressed ? $"{Capacity / InputLimits.MaxDeflateRatio} gzip bytes inflate to at most {Capacity}" : $"it is {Capacity} bytes long")}).")
        : string.Create(CultureInfo.InvariantCulture, $"'{Path}' declares {what} = {bytes} bytes, more than the {InputLimits.MaxDatasetBytes} bytes one in-memory dataset holds."));

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private InvalidDataException Damaged(Exception e) => new($"'{Path}' is a damaged or truncated gzip file: {e.Message}", e);
}
