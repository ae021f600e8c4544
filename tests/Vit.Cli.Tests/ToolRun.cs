namespace Vit.Cli.Tests;

/// <summary>Runs the <c>vit</c> command line, in this process (fast) or as its own process (as a user starts it).</summary>
internal static class ToolRun
{
    public static (int ExitCode, string Output, string Errors) InProcess(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        int code = VitCommandLine.Run(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    /// <summary>Starts <c>dotnet vit.dll</c> (the tool's build output, copied next to the tests by the project reference).</summary>
    public static (int ExitCode, string Output, string Errors) AsProcess(params string[] args)
    {
        var run = ChildProcess.Run(ChildProcess.DotNet, [Path.Combine(AppContext.BaseDirectory, "vit.dll"), .. args], TimeSpan.FromMinutes(3));
        return (run.ExitCode, run.Output, run.Errors);
    }
}
