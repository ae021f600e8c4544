using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vit.Onnx;

/// <summary>
/// The entry an export adds to the config.json of a Vit model folder it writes into: <c>onnx_files</c> maps each graph
/// file to its <c>precision</c> and <c>external_data</c> file (null when the graph holds its weights). An additive
/// field: readers that do not know it (timm, older Vit) ignore it.
/// </summary>
internal static class ModelFolderConfig
{
    public const string FileName = "config.json";
    public const string OnnxFilesField = "onnx_files";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The folder's config.json text with the graph's entry, or <see langword="null"/> when there is no Vit config.json to update.</summary>
    /// <exception cref="InvalidDataException">The config.json is not valid JSON (checked before anything is written).</exception>
    public static string? WithOnnxFile(string folder, string graphFileName, string precision, string? externalData)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON, so the export cannot record the graph's precision in it; nothing was written: {e.Message}", e);
        }

        // Only a Vit folder's config (vit_version) is ours to extend; a foreign config.json is left alone.
        if (root is not JsonObject config || !config.ContainsKey("vit_version"))
        {
            return null;
        }

        if (config[OnnxFilesField] is not JsonObject files)
        {
            files = [];
            config[OnnxFilesField] = files;
        }

        files[graphFileName] = new JsonObject { ["precision"] = precision, ["external_data"] = externalData };
        return config.ToJsonString(Indented) + "\n";
    }
}
