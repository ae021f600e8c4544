using System.Text;

namespace Vit.Core;

/// <summary>
/// Writes files so that nothing a user saved is ever half-written: the content goes to a temporary file in the same
/// folder, is flushed to disk, and only then is renamed over the target (a rename within a folder is atomic), so a
/// crash or an exception leaves either the old file or the new one. Used by safetensors saves, checkpoints and the samples.
/// </summary>
public static class AtomicFile
{
    private const int BufferSize = 1 << 20;

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, then renames it into place.</summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <param name="write">Writes the whole content to the stream it is given (do not dispose it).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static void Write(string path, Action<Stream> write) => WriteAll([(path, write)]);

    /// <summary>
    /// Writes several files that belong together: each goes to a temporary file beside its target, flushed to disk, in
    /// the order given; only when all were written are they renamed into place, in the same order (put first what the
    /// later files point at). A failure while writing leaves every target as it was.
    /// </summary>
    /// <param name="files">Each file to create or replace (its folder must exist) and what writes its whole content (do not dispose the stream).</param>
    /// <exception cref="ArgumentException">A path is empty.</exception>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var staged = new List<(string Temporary, string Target)>(files.Count);
        try
        {
            foreach (var (path, write) in files)
            {
                ArgumentException.ThrowIfNullOrEmpty(path);
                ArgumentNullException.ThrowIfNull(write);
                string full = Path.GetFullPath(path);
                string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
                staged.Add((temp, full));
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize);
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            foreach (var (temp, full) in staged)
            {
                File.Move(temp, full, overwrite: true);
            }
        }
        finally
        {
            foreach (var (temp, _) in staged)
            {
                File.Delete(temp); // no-op for the ones renamed into place
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) atomically.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="text">The content.</param>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });
    }

    /// <summary>Copies <paramref name="source"/> over <paramref name="destination"/> atomically.</summary>
    /// <param name="source">The file to copy.</param>
    /// <param name="destination">The file to create or replace.</param>
    public static void Copy(string source, string destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        Write(destination, input.CopyTo);
    }
}
