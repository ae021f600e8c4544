namespace Vit.Fuzz;

/// <summary>
/// A reader under fuzz: its generated cases and, for binary readers, a SharpFuzz entry point. Each implementation is
/// one file in Readers/, found by reflection: adding a reader (a checkpoint, a CLI) is adding a file.
/// </summary>
public interface IFuzzReader
{
    /// <summary>Gets the reader's name in the table and on the command line, e.g. <c>idx</c>.</summary>
    string Name { get; }

    /// <summary>Gets the cases, each deterministic.</summary>
    IReadOnlyList<FuzzCase> Cases { get; }

    /// <summary>Reads one fuzzer-made file (SharpFuzz); null when the reader takes no single binary file.</summary>
    Action<string>? RunFile { get; }
}
