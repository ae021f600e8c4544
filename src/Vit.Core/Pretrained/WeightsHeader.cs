namespace Vit.Core;

/// <summary>The tensor names and shapes of a safetensors file, read from its header alone (no tensor data is read).</summary>
internal static class WeightsHeader
{
    /// <summary>Every tensor's shape by name.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static Dictionary<string, long[]> ReadShapes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var header = SafeTensorsHeader.Read(stream, path);
        return header.Entries.ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal);
    }
}
