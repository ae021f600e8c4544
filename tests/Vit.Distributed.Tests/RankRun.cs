using System.Text.RegularExpressions;

namespace Vit.Distributed.Tests;

/// <summary>What one launch of the rank program printed, and how it ended.</summary>
internal sealed partial record RankRun(int ExitCode, string Output, string Errors, TimeSpan Elapsed)
{
    /// <summary>Gets the value rank <paramref name="rank"/> printed for <paramref name="key"/> ("rank=R key=value").</summary>
    public string Value(int rank, string key)
    {
        var values = Values(rank, key);
        return values.Count == 1
            ? values[0]
            : throw new InvalidOperationException($"rank {rank} printed {key} {values.Count} times:\n{this}");
    }

    /// <summary>Gets every value rank <paramref name="rank"/> printed for <paramref name="key"/>.</summary>
    public IReadOnlyList<string> Values(int rank, string key) => Line().Matches(Output)
        .Where(m => m.Groups["rank"].Value == rank.ToString(System.Globalization.CultureInfo.InvariantCulture) && m.Groups["key"].Value == key)
        .Select(m => m.Groups["value"].Value.TrimEnd('\r'))
        .ToList();

    /// <summary>Gets the fault messages rank <paramref name="rank"/> wrote to the standard error, without their prefix.</summary>
    public IReadOnlyList<string> Reports(int rank) => Report().Matches(Errors)
        .Where(m => m.Groups["rank"].Value == rank.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Select(m => m.Groups["message"].Value.TrimEnd('\r'))
        .ToList();

    public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout\n{Output}\n--- stderr\n{Errors}";

    [GeneratedRegex(@"rank=(?<rank>\d+) (?<key>\w+)=(?<value>.*)$", RegexOptions.Multiline)]
    private static partial Regex Line();

    [GeneratedRegex(@"^Vit\.Distributed: rank (?<rank>\d+) of \d+ \(pid \d+ on [^)]+\): (?<message>.*)$", RegexOptions.Multiline)]
    private static partial Regex Report();
}
