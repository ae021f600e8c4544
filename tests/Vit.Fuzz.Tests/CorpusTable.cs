using System.Globalization;
using System.Text;

namespace Vit.Fuzz.Tests;

/// <summary>
/// Writes the corpus's results under artifacts/fuzz/ of the repository: one detail file per reader (every case and how
/// it ended) and table.md, one row per reader run so far, ready to paste into docs.
/// </summary>
public static class CorpusTable
{
    /// <summary>The table's header.</summary>
    public const string Header = "| reader | cases | clean errors | correct results | crashes | hangs | unbounded | silently accepted |\n|---|---|---|---|---|---|---|---|";

    /// <summary>Gets the folder the files go to: <c>VIT_FUZZ_OUT</c>, else artifacts/fuzz in the repository.</summary>
    public static string Folder { get; } = Environment.GetEnvironmentVariable("VIT_FUZZ_OUT") is { Length: > 0 } set ? set : Path.Combine(RepositoryRoot(), "artifacts", "fuzz");

    /// <summary>The table row of one reader's outcomes.</summary>
    public static string Row(string reader, IReadOnlyCollection<Outcome> outcomes)
    {
        int Count(Outcome o) => outcomes.Count(x => x == o);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {reader} | {outcomes.Count} | {Count(Outcome.CleanError)} | {Count(Outcome.CorrectResult)} | {Count(Outcome.Crash)} | {Count(Outcome.Hang)} | {Count(Outcome.Unbounded)} | {Count(Outcome.SilentlyAccepted)} |");
    }

    /// <summary>Writes a reader's row and details and rebuilds table.md from every row written.</summary>
    public static void Write(string reader, string row, IEnumerable<string> details)
    {
        string rows = Path.Combine(Folder, "rows");
        Directory.CreateDirectory(rows);
        File.WriteAllText(Path.Combine(rows, reader + ".md"), row + "\n");
        File.WriteAllLines(Path.Combine(Folder, reader + ".cases.txt"), details);
        var table = new StringBuilder(Header).Append('\n');
        foreach (string file in Directory.GetFiles(rows, "*.md").Order(StringComparer.Ordinal))
        {
            table.Append(File.ReadAllText(file));
        }

        File.WriteAllText(Path.Combine(Folder, "table.md"), table.ToString());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vit.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.Combine(Path.GetTempPath(), "vit-fuzz");
    }
}
