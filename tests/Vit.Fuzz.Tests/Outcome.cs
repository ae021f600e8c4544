namespace Vit.Fuzz.Tests;

/// <summary>How one case ended, as the corpus table counts it.</summary>
public enum Outcome
{
    /// <summary>The expected exception type, its message naming the file.</summary>
    CleanError,

    /// <summary>A result with the expected summary.</summary>
    CorrectResult,

    /// <summary>The process died (signal, abort) or threw an exception other than the expected one, or without naming the file.</summary>
    Crash,

    /// <summary>Still running at the time limit.</summary>
    Hang,

    /// <summary>Resident memory above the limit.</summary>
    Unbounded,

    /// <summary>A result where an error was due, or a wrong result.</summary>
    SilentlyAccepted,
}
