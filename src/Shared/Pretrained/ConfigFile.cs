using System.Text.Json.Nodes;
using Vit.Input;

namespace Vit.Pretrained;

/// <summary>
/// Opens a model folder's <c>config.json</c>, whichever library wrote it (Vit, timm's hub, transformers), the one way
/// every reader does: a regular file, bounded in size and depth, no key given twice, a JSON object, and a
/// <c>vit_version</c> stamp, when there is one, not newer than this Vit. Compiled into Vit.Core and Vit.Inference.
/// </summary>
internal static class ConfigFile
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The <c>config.json</c> file.</param>
    /// <returns>Its fields; errors they raise name the file and the field.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The path is not a regular file, the file is not JSON within the limits, repeats a key, is not an object, or was written by a newer Vit.</exception>
    public static JsonFields Read(string path)
    {
        RegularFile.ThrowIfSpecial(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist: a model folder needs the {PretrainedConfig.FileName} that SavePretrained or `vit export` writes.", path);
        }

        var root = JsonInput.ReadFile(path) as JsonObject
            ?? throw new InvalidDataException($"'{path}' is not a model config: expected a JSON object.");
        var fields = new JsonFields(path, root, string.Empty);
        if (root.TryGetPropertyValue("vit_version", out var stamp) && stamp is not null)
        {
            PretrainedVersion.EnsureReadable(path, fields.String("vit_version"));
        }

        return fields;
    }
}
