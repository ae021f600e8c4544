using System.Diagnostics;

namespace Vit.Fuzz;

/// <summary>Makes the special files of issue 21's item 14 where a regular file is expected.</summary>
public static class SpecialFiles
{
    /// <summary>A FIFO: opening it for reading blocks until a writer appears (none will).</summary>
    public static void Fifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"mkfifo '{path}' failed with exit code {process.ExitCode}.");
        }
    }

    /// <summary>A symbolic link to /dev/zero: endless zeros.</summary>
    public static void DevZero(string path) => File.CreateSymbolicLink(path, "/dev/zero");

    /// <summary>A directory named like the file.</summary>
    public static void Folder(string path) => Directory.CreateDirectory(path);

    /// <summary>A sparse file of <paramref name="length"/> bytes (instant, takes no disk).</summary>
    public static void Sparse(string path, long length)
    {
        using var stream = File.Create(path);
        stream.SetLength(length);
    }

    /// <summary>The three special kinds, each as a (name, writer) pair.</summary>
    public static IEnumerable<(string Kind, Action<string> Make)> Kinds { get; } =
        [("fifo", Fifo), ("dev-zero-link", DevZero), ("directory", Folder)];
}
