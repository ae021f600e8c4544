namespace Vit.Inference.Tests;

/// <summary>Paths of the fixture files copied next to the test assembly (from tests/Vit.Inference.Tests/Fixtures).</summary>
internal static class TestFiles
{
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
