using System.Collections.Concurrent;
using FluentAssertions;
using Xunit;

namespace Vit.Fuzz.Tests;

/// <summary>
/// Issue 21's fuzz corpus: every generated case of every reader, each in its own process with a time and a memory
/// limit, must end in a clean error or a correct result. The table lands in artifacts/fuzz/table.md.
/// </summary>
[Collection(nameof(FuzzCorpusTests))]
public sealed class FuzzCorpusTests
{
    /// <summary>Gets every reader's name.</summary>
    public static TheoryData<string> Readers => [.. FuzzReaders.All.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Readers))]
    public void Corpus_EveryCase_EndsInCleanErrorOrCorrectResult(string reader)
    {
        var cases = FuzzReaders.Find(reader).Cases;
        var results = new ConcurrentDictionary<string, (Outcome Outcome, string Detail)>();
        using var scratch = new TempDirectory();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, fuzzCase =>
        {
            string folder = Path.Combine(scratch.Path, fuzzCase.Name);
            Directory.CreateDirectory(folder);
            fuzzCase.Write(folder);
            results[fuzzCase.Name] = ChildRun.Run(reader, fuzzCase, folder);
        });

        var ordered = cases.Select(c => (c.Name, c.CaseClass, results[c.Name].Outcome, results[c.Name].Detail)).ToList();
        string row = CorpusTable.Row(reader, [.. ordered.Select(o => o.Outcome)]);
        CorpusTable.Write(reader, row, ordered.Select(o => $"{o.Name} [{o.CaseClass}] {o.Outcome}: {o.Detail}"));
        ordered.Where(o => o.Outcome is not (Outcome.CleanError or Outcome.CorrectResult))
            .Select(o => $"{o.Name}: {o.Outcome}: {o.Detail}")
            .Should().BeEmpty($"every case of {reader} must end in a clean error or a correct result ({row})");
        ordered.Should().Contain(o => o.Outcome == Outcome.CorrectResult, "each reader's valid inputs must still be read");
    }
}
