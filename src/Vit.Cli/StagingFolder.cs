namespace Vit.Cli;

/// <summary>
/// Writes an output folder atomically: everything goes into a hidden sibling folder that is renamed into place when
/// complete, so a failure or Ctrl+C never leaves a half-written folder where an app would look for a model.
/// </summary>
internal sealed class StagingFolder : IDisposable
{
    private readonly string _target;
    private bool _committed;

    /// <summary>Creates the staging folder next to <paramref name="target"/>, which must not exist or be empty.</summary>
    /// <exception cref="CommandLineException">The target already holds files.</exception>
    public StagingFolder(string target)
    {
        _target = System.IO.Path.GetFullPath(target);
        if (File.Exists(_target) || (Directory.Exists(_target) && Directory.EnumerateFileSystemEntries(_target).Any()))
        {
            throw new CommandLineException($"'{target}' already exists and is not an empty folder; choose a new output folder.");
        }

        string parent = System.IO.Path.GetDirectoryName(_target) ?? ".";
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(_target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(Path);
    }

    /// <summary>Gets the staging folder to write into.</summary>
    public string Path { get; }

    /// <summary>Renames the staging folder to the target.</summary>
    public void Commit()
    {
        if (Directory.Exists(_target))
        {
            Directory.Delete(_target); // empty, checked in the constructor
        }

        Directory.Move(Path, _target);
        _committed = true;
    }

    /// <summary>Deletes the staging folder unless it was committed.</summary>
    public void Dispose()
    {
        if (!_committed && Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
