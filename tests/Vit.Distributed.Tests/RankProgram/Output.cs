using System.Globalization;

namespace Vit.Distributed.Tests.RankProgram;

/// <summary>Prints "rank=R key=value" lines, one write each, so that ranks' lines never interleave.</summary>
internal static class Output
{
    public static void Emit(MpiCommunicator mpi, string key, object value)
        => Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rank={mpi.Rank} {key}={value}"));

    public static string Join<T>(IEnumerable<T> values)
        => string.Join(",", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
}
