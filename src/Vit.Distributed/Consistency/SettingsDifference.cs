using System.Globalization;

namespace Vit.Distributed.Consistency;

/// <summary>Words the first difference between two ranks' settings, the same way on every rank.</summary>
internal static class SettingsDifference
{
    /// <summary>Lines longer than this are cut in messages.</summary>
    public const int MaxLineLength = 200;

    /// <summary>Describes how rank <paramref name="rank"/>'s value differs from rank 0's.</summary>
    /// <param name="description">What the values are, as a plural noun phrase ("Trainer settings").</param>
    /// <param name="rootValue">Rank 0's value.</param>
    /// <param name="rank">The first rank whose value differs.</param>
    /// <param name="value">That rank's value.</param>
    /// <param name="differingRanks">Every rank whose value differs from rank 0's.</param>
    public static string Describe(string description, string rootValue, int rank, string value, IReadOnlyList<int> differingRanks)
    {
        string[] root = rootValue.Split('\n');
        string[] other = value.Split('\n');
        int line = 0;
        while (line < root.Length && line < other.Length && root[line] == other[line])
        {
            line++;
        }

        return string.Format(
            CultureInfo.InvariantCulture,
            "{0} differ between ranks: rank {1} has {2} where rank 0 has {3} (line {4}). Ranks that differ from rank 0: {5}. " +
            "Start every rank with the same arguments, configuration and data.",
            description,
            rank,
            Quote(other, line),
            Quote(root, line),
            line + 1,
            string.Join(", ", differingRanks));
    }

    private static string Quote(string[] lines, int line)
    {
        if (line >= lines.Length)
        {
            return "no such line";
        }

        string text = lines[line].TrimEnd('\r');
        return "\"" + (text.Length > MaxLineLength ? text[..MaxLineLength] + "..." : text) + "\"";
    }
}
