namespace Vit.Distributed.Tests;

/// <summary>Starts this test assembly's rank program (RankProgram/RankMain) under Open MPI's mpirun, or alone, and collects what it printed.</summary>
internal static class MpiRun
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Skips the test when mpirun is absent, except in CI, which installs Open MPI and must run it.</summary>
    public static void SkipUnlessAvailable() => MpiLauncher.SkipUnlessAvailable();

    /// <summary>Runs one scenario as <paramref name="ranks"/> processes under mpirun.</summary>
    public static RankRun Ranks(int ranks, params string[] arguments) => From(MpiLauncher.Run(ranks, Program, arguments, Timeout));

    /// <summary>Runs one scenario as a single process without a launcher (an MPI world of one).</summary>
    public static RankRun Alone(params string[] arguments) =>
        From(ChildProcess.Run(ChildProcess.DotNet, [Program, .. arguments], Timeout, MpiLauncher.RankEnvironment));

    private static string Program => typeof(RankProgram.RankMain).Assembly.Location;

    private static RankRun From(ChildProcessResult run) => new(run.ExitCode, run.Output, run.Errors, run.Elapsed);
}
