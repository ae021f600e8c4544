using System.Diagnostics;

namespace Vit.Testing;

/// <summary>Runs a program as its own process, as a user starts it, with a time limit, and collects what it printed.</summary>
internal static class ChildProcess
{
    /// <summary>Gets the <c>dotnet</c> host that runs the tests (<c>dotnet test</c> sets <c>DOTNET_HOST_PATH</c>), to start a built app's dll with.</summary>
    public static string DotNet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> and an empty standard input; kills its process tree after <paramref name="timeout"/>.</summary>
    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments, each passed as one word.</param>
    /// <param name="timeout">How long it may run.</param>
    /// <param name="environment">Variables set for it on top of this process's.</param>
    /// <returns>Its exit code, standard output and standard error.</returns>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/>; the message holds what it printed.</exception>
    public static ChildProcessResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
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

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not end within {timeout}:\n{output.Result}\n{errors.Result}");
        }

        process.WaitForExit(); // the output streams are complete only after this overload returns
        return new ChildProcessResult(process.ExitCode, output.Result, errors.Result, clock.Elapsed);
    }
}
