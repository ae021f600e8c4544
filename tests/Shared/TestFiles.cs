namespace Vit.Testing;

/// <summary>Paths of the fixture files a test project copies next to its assembly (from its Fixtures/ folder).</summary>
internal static class TestFiles
{
    /// <summary>The path of fixture <paramref name="name"/>; throws when the build did not copy it.</summary>
    public static string Fixture(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Fixture '{name}' is missing from the test output.", path);
        }

        return path;
    }
}
