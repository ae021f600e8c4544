using SharpFuzz;

namespace Vit.Fuzz;

/// <summary>
/// The SharpFuzz entry point for the binary readers: AFL feeds bytes, they become a file the reader opens, and only an
/// exception outside the documented ones (or a crash) is a finding.
/// </summary>
public static class AflHarness
{
    /// <summary>Runs <paramref name="reader"/>'s <see cref="IFuzzReader.RunFile"/> on each input AFL gives.</summary>
    public static void Run(IFuzzReader reader)
    {
        var runFile = reader.RunFile ?? throw new ArgumentException($"Reader '{reader.Name}' takes no single binary file; AFL fuzzes idx, cifar and safetensors.", nameof(reader));
        string file = Path.Combine(Path.GetTempPath(), $"vit-afl-{Environment.ProcessId}.bin");
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using (var output = File.Create(file))
            {
                stream.CopyTo(output);
            }

            try
            {
                runFile(file);
            }
            catch (InvalidDataException)
            {
                // A clean rejection: what every malformed input must end in.
            }
        });
    }
}
