namespace Vit.Training.Tests;

/// <summary>Paths of the reference fixtures copied next to the test assembly.</summary>
internal static class TestFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}
