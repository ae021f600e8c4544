namespace Vit.Samples.Tests;

/// <summary>Runs the built Fashion-MNIST sample as its own process, as a user does, with a time limit.</summary>
internal static class SampleProcess
{
    /// <summary>The exit code, standard output and standard error of one run.</summary>
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        /// <summary>Gets the lines of standard error that start with <c>error:</c>.</summary>
        public IReadOnlyList<string> ErrorLines => [.. Errors.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).Select(l => l.TrimEnd('\r'))];
    }

    /// <summary>Runs the sample with <paramref name="arguments"/> (one libtorch thread); kills it after <paramref name="timeout"/>.</summary>
    public static Result Run(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        // The sample's build output is copied next to the tests (project reference), runtimeconfig included.
        string sample = Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FashionMnist.dll");
        var run = ChildProcess.Run(ChildProcess.DotNet, [sample, .. arguments], timeout ?? TimeSpan.FromMinutes(3));
        return new Result(run.ExitCode, run.Output, run.Errors);
    }
}
