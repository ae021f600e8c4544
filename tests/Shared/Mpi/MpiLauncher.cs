using System.Globalization;
using Xunit;

namespace Vit.Testing;

/// <summary>
/// Open MPI's <c>mpirun</c> for the 2-process tests (linked into the test projects that start ranks): found on the
/// PATH, skipped when absent except in CI, and started with the options a shared test machine needs.
/// </summary>
internal static class MpiLauncher
{
    /// <summary>Gets the mpirun on the PATH, or null.</summary>
    public static string? Path { get; } = FindOnPath("mpirun");

    /// <summary>Gets the environment of every rank: no terminal escape codes in the captured output, one OpenMP thread per rank.</summary>
    public static IReadOnlyDictionary<string, string> RankEnvironment { get; } = new Dictionary<string, string> { ["TERM"] = "dumb", ["OMP_NUM_THREADS"] = "1" };

    /// <summary>Skips the test when mpirun is absent, except in CI, which installs Open MPI and must run it.</summary>
    /// <exception cref="InvalidOperationException">mpirun is absent and <c>CI</c> is <c>true</c>.</exception>
    public static void SkipUnlessAvailable()
    {
        if (Path is null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new InvalidOperationException(
                "mpirun is not on the PATH, but CI must run the 2-process tests: .ci/run installs openmpi-bin and libopenmpi-dev.");
        }

        Skip.If(Path is null, "mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the 2-process tests.");
    }

    /// <summary>Runs <c>dotnet <paramref name="program"/> <paramref name="arguments"/></c> as <paramref name="ranks"/> processes under mpirun.</summary>
    /// <param name="ranks">How many processes.</param>
    /// <param name="program">The built app's dll.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="timeout">How long the whole run may take.</param>
    /// <returns>mpirun's exit code and the ranks' merged output.</returns>
    public static ChildProcessResult Run(int ranks, string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        // As root, mpirun needs --allow-run-as-root; with more ranks than free cores, --oversubscribe. A waiting rank
        // yields its core instead of busy-polling it, so the other test assemblies running meanwhile keep theirs.
        string[] launcher =
        [
            "--allow-run-as-root", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1",
            "-np", ranks.ToString(CultureInfo.InvariantCulture),
        ];
        return ChildProcess.Run(Path!, [.. launcher, ChildProcess.DotNet, program, .. arguments], timeout, RankEnvironment);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator)
            .Where(directory => directory.Length > 0)
            .Select(directory => System.IO.Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
