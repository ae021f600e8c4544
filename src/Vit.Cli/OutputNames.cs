using Vit.Onnx;

namespace Vit.Cli;

/// <summary>Parses <c>--outputs logits,embeddings,tokens</c>.</summary>
internal static class OutputNames
{
    private static readonly Dictionary<string, OnnxOutputs> Known = new(StringComparer.Ordinal)
    {
        [OnnxExport.OutputName] = OnnxOutputs.Logits,
        [OnnxExport.EmbeddingsName] = OnnxOutputs.Embeddings,
        [OnnxExport.TokensName] = OnnxOutputs.Tokens,
    };

    /// <summary>The outputs a comma-separated list names.</summary>
    /// <exception cref="CommandLineException">A name is unknown or the list is empty.</exception>
    public static OnnxOutputs Parse(string list)
    {
        OnnxOutputs outputs = 0;
        foreach (string name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            outputs |= Known.TryGetValue(name, out var output)
                ? output
                : throw new CommandLineException($"--outputs names '{name}'; expected a comma-separated list of {string.Join(", ", Known.Keys)}");
        }

        return outputs != 0 ? outputs : throw new CommandLineException($"--outputs is empty; expected a comma-separated list of {string.Join(", ", Known.Keys)}");
    }
}
