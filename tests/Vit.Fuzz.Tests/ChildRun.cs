using System.Diagnostics;
using System.Globalization;

namespace Vit.Fuzz.Tests;

/// <summary>
/// Runs one case in a child process (Vit.Fuzz.Runner) under a time limit and a memory limit: the child's resident
/// memory is polled and it is killed past the limit, and its own peak (VmHWM) is checked when it ends.
/// </summary>
public static class ChildRun
{
    /// <summary>The time one case may take: 20 s, or <c>VIT_FUZZ_TIME_LIMIT_SECONDS</c> on a machine too busy for that.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("VIT_FUZZ_TIME_LIMIT_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 ? seconds : 20);

    /// <summary>The resident memory one case may use, in kB (1.5 GB).</summary>
    public const long MemoryLimitKilobytes = 1_500_000;

    /// <summary>Runs <paramref name="fuzzCase"/> of <paramref name="reader"/> on <paramref name="folder"/>, and judges it.</summary>
    /// <returns>The outcome and a line describing it.</returns>
    public static (Outcome Outcome, string Detail) Run(string reader, FuzzCase fuzzCase, string folder)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "Vit.Fuzz.Runner.dll"), "run", reader, fuzzCase.Name, folder })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        long peak = 0;
        while (!process.WaitForExit(20))
        {
            peak = Math.Max(peak, RunnerProtocol.ReadStatus($"/proc/{process.Id}/status", "VmRSS:"));
            if (peak > MemoryLimitKilobytes || clock.Elapsed > TimeLimit)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return peak > MemoryLimitKilobytes
                    ? (Outcome.Unbounded, string.Create(CultureInfo.InvariantCulture, $"killed at {peak / 1000} MB resident"))
                    : (Outcome.Hang, $"still running after {TimeLimit.TotalSeconds} s");
            }
        }

        string[] lines = output.Result.Split('\n');
        string? result = lines.FirstOrDefault(l => l.StartsWith(RunnerProtocol.Result + "\t", StringComparison.Ordinal));
        string? rss = lines.FirstOrDefault(l => l.StartsWith(RunnerProtocol.PeakRss + "\t", StringComparison.Ordinal));
        if (result is null)
        {
            string tail = errors.Result.Length > 400 ? errors.Result[^400..] : errors.Result;
            return (Outcome.Crash, $"exit code {process.ExitCode}, no outcome: {tail.ReplaceLineEndings(" ")}");
        }

        long childPeak = rss is null ? -1 : long.Parse(rss.Split('\t')[1], CultureInfo.InvariantCulture);
        if (Math.Max(peak, childPeak) > MemoryLimitKilobytes)
        {
            return (Outcome.Unbounded, string.Create(CultureInfo.InvariantCulture, $"peak {Math.Max(peak, childPeak) / 1000} MB resident"));
        }

        return Judge(result.Split('\t', 4), fuzzCase.Expect, folder);
    }

    private static (Outcome, string) Judge(string[] result, FuzzExpectation expect, string folder)
    {
        if (result[1] == "ok")
        {
            string summary = result[2].TrimEnd('\r');
            bool correct = expect.Result == FuzzExpectation.AnyResult || expect.Result == summary;
            return (correct ? Outcome.CorrectResult : Outcome.SilentlyAccepted, $"result '{summary}'{(correct ? string.Empty : $", expected {(expect.Result is null ? $"{expect.ErrorType?.Name} naming {expect.ErrorFile}" : $"'{expect.Result}'")}")}");
        }

        string type = result[2], message = result[3].TrimEnd('\r');
        bool typeOk = expect.ErrorType?.FullName == type;
        bool named = expect.ErrorFile is null || message.Contains(Path.Combine(folder, expect.ErrorFile), StringComparison.Ordinal);
        return typeOk && named
            ? (Outcome.CleanError, $"{type}: {message}")
            : (Outcome.Crash, $"unclean {type}: {message} (expected {expect.ErrorType?.Name ?? "a result"}{(expect.ErrorFile is null ? string.Empty : $" naming {expect.ErrorFile}")})");
    }
}
