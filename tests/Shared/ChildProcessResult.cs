namespace Vit.Testing;

/// <summary>How a <see cref="ChildProcess"/> run ended and what it printed.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Output">Its standard output.</param>
/// <param name="Errors">Its standard error.</param>
/// <param name="Elapsed">How long it ran.</param>
internal sealed record ChildProcessResult(int ExitCode, string Output, string Errors, TimeSpan Elapsed);
