using System.Diagnostics;
using Xunit;

namespace Vit.Distributed.Tests;

/// <summary>Starts this test assembly's rank program (RankProgram/RankMain) under Open MPI's mpirun, or alone, and collects what it printed.</summary>
internal static class MpiRun
{
    /// <summary>Gets the mpirun on the PATH, or null.</summary>
    public static string? Launcher { get; } = FindOnPath("mpirun");

    /// <summary>Skips the test when mpirun is absent, except in CI, which installs Open MPI and must run it.</summary>
    public static void SkipUnlessAvailable()
    {
        if (Launcher is null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new InvalidOperationException(
                "mpirun is not on the PATH, but CI must run the 2-process tests: .ci/run installs openmpi-bin and libopenmpi-dev.");
        }

        Skip.If(Launcher is null, "mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the 2-process tests.");
    }

    /// <summary>Runs one scenario as <paramref name="ranks"/> processes under mpirun.</summary>
    public static RankRun Ranks(int ranks, params string[] arguments)
    {
        // As root, mpirun needs --allow-run-as-root; with more ranks than free cores, --oversubscribe. A waiting rank
        // yields its core instead of busy-polling it, so the other test assemblies running meanwhile keep theirs.
        string[] launcher =
        [
            "--allow-run-as-root", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1",
            "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        return Start(Launcher!, [.. launcher, DotNet, Program, .. arguments]);
    }

    /// <summary>Runs one scenario as a single process without a launcher (an MPI world of one).</summary>
    public static RankRun Alone(params string[] arguments) => Start(DotNet, [Program, .. arguments]);

    private static string DotNet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static string Program => typeof(RankProgram.RankMain).Assembly.Location;

    private static RankRun Start(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No terminal escape codes in the captured output; one OpenMP thread per rank on a shared machine.
        start.Environment["TERM"] = "dumb";
        start.Environment["OMP_NUM_THREADS"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not end within 90 s:\n{output.Result}\n{errors.Result}");
        }

        process.WaitForExit();
        return new RankRun(process.ExitCode, output.Result, errors.Result, clock.Elapsed);
    }

    private static string? FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
