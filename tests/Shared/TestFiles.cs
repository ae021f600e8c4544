namespace Vit.Testing;

/// <summary>Paths of the files tests read: fixtures copied next to the test assembly, and files of the repository.</summary>
internal static class TestFiles
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>Gets the repository's root: the nearest folder above the test assembly that holds <c>Vit.sln</c>.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The path of fixture <paramref name="name"/> (from the project's Fixtures/ folder); throws when the build did not copy it.</summary>
    public static string Fixture(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Fixture '{name}' is missing from the test output.", path);
        }

        return path;
    }

    /// <summary>The full path of <paramref name="relativePath"/> (e.g. <c>data/fashion-mnist</c>) inside the repository; throws when it does not exist.</summary>
    public static string InRepository(string relativePath)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, relativePath));
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"'{relativePath}' is not in the repository at '{RepositoryRoot}'.", path);
        }

        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Vit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Vit.sln above {AppContext.BaseDirectory}.");
    }
}
