namespace Vit.Samples.FashionMnist;

/// <summary>
/// The <c>--tensorboard</c> folder of one run: created before training, and removed again when the run fails (unless
/// it existed before), so a failed run leaves nothing behind. Call <see cref="Keep"/> once the run has done its work.
/// </summary>
internal sealed class TensorBoardFolder : IDisposable
{
    private readonly string? _created;
    private bool _keep;

    private TensorBoardFolder(string path, string? created)
    {
        Path = path;
        _created = created;
    }

    /// <summary>Gets the folder's full path.</summary>
    public string Path { get; }

    /// <summary>Throws unless <paramref name="path"/> can be a folder: checked before anything is written.</summary>
    /// <exception cref="UsageException">The path is a file, or cannot be a folder.</exception>
    public static string Check(string path)
    {
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException)
        {
            throw new UsageException($"--tensorboard '{path}' is not a usable path: {e.Message}", e);
        }

        for (string? at = full; at is not null; at = System.IO.Path.GetDirectoryName(at))
        {
            if (File.Exists(at))
            {
                throw new UsageException(at == full
                    ? $"--tensorboard '{path}' is a file; expected a folder."
                    : $"--tensorboard '{path}' cannot be a folder: '{at}' is a file.");
            }
        }

        return full;
    }

    /// <summary>Creates the folder (and the missing folders above it), remembering the topmost one this run created.</summary>
    /// <exception cref="UsageException">The folder cannot be created.</exception>
    public static TensorBoardFolder Create(string path)
    {
        string full = Check(path);
        string? created = null;
        for (string? at = full; at is not null && !Directory.Exists(at); at = System.IO.Path.GetDirectoryName(at))
        {
            created = at;
        }

        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--tensorboard '{path}' cannot be created: {e.Message}", e);
        }

        return new TensorBoardFolder(full, created);
    }

    /// <summary>Keeps the folder: the run succeeded, or stopped with a checkpoint to resume from.</summary>
    public void Keep() => _keep = true;

    /// <summary>Removes what <see cref="Create"/> created, unless <see cref="Keep"/> was called.</summary>
    public void Dispose()
    {
        if (_keep || _created is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_created, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The run's own error is the one to report; a folder left behind says so.
            Console.Error.WriteLine($"warning: could not remove the --tensorboard folder '{_created}': {e.Message}");
        }
    }
}
