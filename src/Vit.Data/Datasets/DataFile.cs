using Vit.Input;

namespace Vit.Data;

/// <summary>Checks data files before they are opened, and words offsets for messages.</summary>
internal static class DataFile
{
    /// <summary>Throws unless <paramref name="path"/> is an existing regular file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The path is a directory, FIFO, device or socket.</exception>
    public static void RequireExists(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RegularFile.ThrowIfSpecial(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        }
    }

    /// <summary>Describes an offset for messages: decompressed offsets say so.</summary>
    public static string Offset(long offset, bool compressed) =>
        compressed ? $"offset {offset} of the decompressed data" : $"offset {offset}";
}
