using FluentAssertions;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class ReadmeQuickStartTests
{
    [Fact]
    public void Readme_QuickStartCode_IsTheCompiledCopy()
    {
        string root = TestFiles.RepositoryRoot;
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        int section = readme.IndexOf("## Quick start", StringComparison.Ordinal);
        section.Should().BeGreaterThan(0, "README.md has a quick start section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        var documented = readme[start..end].Split('\n')
            .Where(line => line.Trim().Length > 0 && !(line.StartsWith("using ", StringComparison.Ordinal) && !line.Contains(" var ", StringComparison.Ordinal)))
            .Select(line => line.TrimEnd())
            .ToList();

        string source = File.ReadAllText(Path.Combine(root, "tests", "Vit.Samples.Tests", "ReadmeQuickStart.cs"));
        int begin = source.IndexOf("// README quick start: begin", StringComparison.Ordinal);
        int finish = source.IndexOf("// README quick start: end", StringComparison.Ordinal);
        var compiled = source[begin..finish].Split('\n').Skip(1)
            .Where(line => line.Trim().Length > 0)
            .Select(line => line.TrimEnd().StartsWith("        ", StringComparison.Ordinal) ? line.TrimEnd()[8..] : line.TrimEnd())
            .ToList();

        documented.Should().Equal(compiled);
    }
}
