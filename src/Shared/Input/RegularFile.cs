using System.Globalization;

namespace Vit.Input;

/// <summary>
/// Readers open regular files only: a FIFO blocks on open, a device such as /dev/zero never ends, a directory named
/// like a file fails with an unrelated "access denied". Symbolic links are followed and judged by their target.
/// </summary>
internal static class RegularFile
{
    /// <summary>What <paramref name="path"/> names after following links.</summary>
    public static FileKind KindOf(string path)
    {
        if (LinuxStat.Read(path) is { } stat)
        {
            return stat.Type switch
            {
                0 => FileKind.Missing,
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0x1000 => FileKind.Fifo,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0xC000 => FileKind.Socket,
                _ => FileKind.Socket,
            };
        }

        return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
    }

    /// <summary>Throws when <paramref name="path"/> exists but is not a regular file; a missing path is left to the caller's own message.</summary>
    /// <exception cref="InvalidDataException">The path is a directory, FIFO, device or socket.</exception>
    public static void ThrowIfSpecial(string path)
    {
        var kind = KindOf(path);
        if (kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw new InvalidDataException($"'{path}' is {Describe(kind)}, not a regular file; Vit reads only regular files.");
        }
    }

    /// <summary>Whether <paramref name="path"/> is a regular file (following links).</summary>
    public static bool Exists(string path) => KindOf(path) == FileKind.Regular;

    /// <summary>Opens a regular file for reading, checking its size first.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most bytes the reader accepts from this file.</param>
    /// <param name="bufferSize">FileStream's buffer (1 for none).</param>
    /// <returns>The open stream.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The path is not a regular file, or the file is larger than <paramref name="maxBytes"/>.</exception>
    public static FileStream OpenRead(string path, long maxBytes = long.MaxValue, int bufferSize = 4096)
    {
        ThrowIfSpecial(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        if (stream.Length > maxBytes)
        {
            long length = stream.Length;
            stream.Dispose();
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{path}' is {length} bytes, more than the {maxBytes} bytes Vit reads from such a file."));
        }

        return stream;
    }

    /// <summary>A stable identity (device and inode, or the resolved full path) to detect a file or folder seen twice.</summary>
    public static string Identity(string path)
    {
        if (LinuxStat.Read(path) is { Type: not 0 } stat)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{stat.Device}:{stat.Inode}");
        }

        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        var target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
        return Path.GetFullPath((target ?? info).FullName);
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        _ => "a socket",
    };
}
