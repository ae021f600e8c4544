using System.Text.Json.Nodes;

namespace Vit.Fuzz;

/// <summary>A model folder for ImageClassifier: a <see cref="TinyOnnx"/> graph and a config.json that describes it.</summary>
public static class ModelFolder
{
    /// <summary>The classes of the default folder.</summary>
    public const int Classes = 4;

    /// <summary>The input side of the default folder.</summary>
    public const int Size = 16;

    /// <summary>A valid config.json as a node, to be altered by a case.</summary>
    public static JsonObject Config(int classes = Classes) => new()
    {
        ["architecture"] = "vit_tiny_patch16_224",
        ["num_classes"] = classes,
        ["num_features"] = 8,
        ["global_pool"] = "token",
        ["model_args"] = new JsonObject(),
        ["pretrained_cfg"] = new JsonObject
        {
            ["input_size"] = new JsonArray(3, Size, Size),
            ["interpolation"] = "bilinear",
            ["crop_pct"] = 0.875,
            ["crop_mode"] = "center",
            ["mean"] = new JsonArray(0.5, 0.5, 0.5),
            ["std"] = new JsonArray(0.25, 0.25, 0.25),
        },
        ["label_names"] = new JsonArray([.. Enumerable.Range(0, classes).Select(i => (JsonNode?)JsonValue.Create($"class{i}"))]),
        ["vit_version"] = "0.1.0",
        ["vit_options"] = new JsonObject(),
    };

    /// <summary>Writes config.json text and a model into <paramref name="dir"/>.</summary>
    public static void Write(string dir, string configJson, byte[]? model = null)
    {
        File.WriteAllText(Path.Combine(dir, "config.json"), configJson);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model ?? TinyOnnx.Model(3, Size, Classes));
    }

    /// <summary>Writes the valid folder.</summary>
    public static void WriteValid(string dir) => Write(dir, Config().ToJsonString());
}
