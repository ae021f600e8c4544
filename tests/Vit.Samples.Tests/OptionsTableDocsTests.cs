using FluentAssertions;
using Vit.Samples.FashionMnist.Options;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>
/// docs/fashion-mnist.md's table of options is written from the options' declarations (<see cref="RunOptions.All"/>):
/// this test fails naming the rows that differ, and with <c>VIT_WRITE_DOCS=1</c> rewrites the table instead.
/// </summary>
public sealed class OptionsTableDocsTests
{
    private const string Begin = "<!-- options: written from RunSettings and CommandLineRequest by OptionsTableDocsTests (VIT_WRITE_DOCS=1 rewrites it) -->";
    private const string End = "<!-- /options -->";

    [Fact]
    public void Docs_OptionsTable_IsTheOptionsDeclarations()
    {
        string path = TestFiles.InRepository("docs/fashion-mnist.md");
        string text = File.ReadAllText(path).ReplaceLineEndings("\n");
        int begin = text.IndexOf(Begin, StringComparison.Ordinal), end = text.IndexOf(End, StringComparison.Ordinal);
        begin.Should().BeGreaterThan(0, $"{path} marks its options table with {Begin}");
        end.Should().BeGreaterThan(begin, $"{path} ends its options table with {End}");
        var documented = text[(begin + Begin.Length)..end].Trim('\n').Split('\n');
        var expected = Table();

        if (Environment.GetEnvironmentVariable("VIT_WRITE_DOCS") == "1" && !documented.SequenceEqual(expected))
        {
            File.WriteAllText(path, $"{text[..(begin + Begin.Length)]}\n{string.Join('\n', expected)}\n{text[end..]}");
            return;
        }

        // The options table is written from the options: name the rows that differ before comparing the order.
        string rewrite = $"{path}'s options table is written from the options' declarations; VIT_WRITE_DOCS=1 dotnet test tests/Vit.Samples.Tests --filter {nameof(OptionsTableDocsTests)} rewrites it";
        expected.Except(documented).Select(Flag).Should().BeEmpty($"these options' rows are missing or differ: {rewrite}");
        documented.Except(expected).Select(Flag).Should().BeEmpty($"these rows are no option's: {rewrite}");
        documented.Should().Equal(expected, $"the rows are in usage order: {rewrite}");
    }

    [Fact]
    public void Table_Switch_AndValueOptions_ReadAsTheirUsage()
    {
        var table = Table();

        table[0].Should().Be("| option | default | meaning |");
        table.Should().Contain("| `--epochs <epochs>` | the preset's; 9 for fashion_small | Epochs to train |")
            .And.Contain("| `--precision <float32\\|bfloat16\\|float16>` | float32 | float32, bfloat16 (CPUs with avx512_bf16 or AMX, GPUs from Ampere on) or float16 (older GPUs; dynamic loss scaling): the dtype of the matrix products, weights stay fp32 |")
            .And.Contain("| `--out <out>` | ./runs/&lt;timestamp&gt; | Output folder |")
            .And.Contain(row => row.StartsWith("| `--distributed` | | Data-parallel training over MPI", StringComparison.Ordinal));
        table.Should().HaveCount(RunOptions.All.Count + 2);
    }

    /// <summary>The table: one row per option, in usage order, with the default and help <c>--help</c> prints.</summary>
    private static List<string> Table() =>
    [
        "| option | default | meaning |",
        "| --- | --- | --- |",
        .. RunOptions.All.Select(o =>
            $"| `{o.Name}{(o.IsSwitch ? "" : $" <{o.ValueName}>").Replace("|", "\\|", StringComparison.Ordinal)}` | {Escape(RunOptions.DefaultText(o))} | {Escape(o.Help)} |".Replace("|  |", "| |", StringComparison.Ordinal)),
    ];

    private static string Flag(string row) => row.Split('|')[1].Trim();

    /// <summary>Markdown's table cells: a pipe ends a cell, an angle bracket opens HTML.</summary>
    private static string Escape(string text) =>
        text.Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
}
