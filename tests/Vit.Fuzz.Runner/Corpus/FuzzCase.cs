namespace Vit.Fuzz;

/// <summary>
/// One generated input: <see cref="Write"/> makes its files in an empty folder (in the test process), <see cref="Run"/>
/// reads them with the reader under test (in the child process) and returns a summary of what it read.
/// </summary>
/// <param name="Name">Unique within its reader, e.g. <c>header-overflow-gzip</c>.</param>
/// <param name="CaseClass">The case class, e.g. <c>decompression bomb</c>.</param>
/// <param name="Write">Writes the case's files into the folder.</param>
/// <param name="Run">Reads the folder; returns a summary of the result, throws on bad input.</param>
/// <param name="Expect">What counts as handled.</param>
public sealed record FuzzCase(string Name, string CaseClass, Action<string> Write, Func<string, string> Run, FuzzExpectation Expect);
