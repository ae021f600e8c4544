using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vit.Pretrained;

/// <summary>
/// The <c>config.json</c> of a model folder, in timm's Hugging Face layout (<c>architecture</c>, <c>model_args</c>,
/// <c>pretrained_cfg</c>, <c>label_names</c>, so <c>timm.create_model("local-dir:...")</c> opens the folder) plus Vit's
/// own <c>vit_version</c> and <c>vit_options</c>. Compiled into Vit.Core (which writes it) and Vit.Inference (which
/// reads it without TorchSharp): one schema, two assemblies, no shared package. <see cref="ConfigFile"/> opens it.
/// </summary>
internal sealed class PretrainedConfig
{
    /// <summary>The file name inside a model folder.</summary>
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Gets the version of the Vit package that wrote the file, e.g. <c>0.1.0</c>.</summary>
    public required string VitVersion { get; init; }

    /// <summary>Gets timm's entry point that builds the model from <see cref="ModelArgs"/>.</summary>
    public required string Architecture { get; init; }

    /// <summary>Gets the number of classes (the logits' width).</summary>
    public required int NumClasses { get; init; }

    /// <summary>Gets the width of the pooled features.</summary>
    public required int NumFeatures { get; init; }

    /// <summary>Gets timm's pooling name, <c>token</c> or <c>avg</c>.</summary>
    public required string GlobalPool { get; init; }

    /// <summary>Gets timm's <c>VisionTransformer</c> keyword arguments for this architecture.</summary>
    public required JsonObject ModelArgs { get; init; }

    /// <summary>Gets Vit's <c>VisionTransformerOptions</c>, every field, in snake_case.</summary>
    public required JsonObject VitOptions { get; init; }

    /// <summary>Gets the evaluation preprocessing (timm's <c>pretrained_cfg</c>).</summary>
    public required PretrainedPreprocessing Preprocessing { get; init; }

    /// <summary>Gets the class names by class index (empty for a model without classes).</summary>
    public required IReadOnlyList<string> LabelNames { get; init; }

    /// <summary>Checks the fields of a config <see cref="ConfigFile"/> read: those every reader needs are present and consistent.</summary>
    /// <param name="fields">The file's fields.</param>
    /// <param name="allowNoClasses">Whether <c>num_classes</c> may be 0 (a feature extractor, whose <c>label_names</c> may then be absent).</param>
    /// <returns>The config.</returns>
    /// <exception cref="InvalidDataException">A field is missing or has a wrong value; the message names the file and the field.</exception>
    public static PretrainedConfig Read(JsonFields fields, bool allowNoClasses = false)
    {
        var config = new PretrainedConfig
        {
            VitVersion = fields.String("vit_version"),
            Architecture = fields.String("architecture"),
            NumClasses = fields.Int("num_classes", minimum: allowNoClasses ? 0 : 1),
            NumFeatures = fields.Int("num_features", minimum: 1),
            GlobalPool = fields.String("global_pool"),
            ModelArgs = fields.Object("model_args").Node,
            VitOptions = fields.Object("vit_options").Node,
            Preprocessing = PretrainedPreprocessing.Read(fields.Object("pretrained_cfg")),
            LabelNames = ReadLabelNames(fields),
        };
        config.Check(fields.FilePath);
        return config;
    }

    /// <summary>The file's text (indented JSON); the writer saves it atomically.</summary>
    /// <returns>The JSON text, ending with a newline.</returns>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architecture"] = Architecture,
            ["num_classes"] = NumClasses,
            ["num_features"] = NumFeatures,
            ["global_pool"] = GlobalPool,
            ["model_args"] = ModelArgs.DeepClone(),
            ["pretrained_cfg"] = Preprocessing.ToJson(NumClasses),
        };

        // timm's first_conv names the convolution that sees the pixels: a convolutional stem's first one.
        if (VitOptions["stem_channels"] is JsonArray { Count: > 0 })
        {
            root["pretrained_cfg"]!["first_conv"] = "patch_embed.backbone.0.conv";
        }
        if (LabelNames.Count > 0)
        {
            root["label_names"] = new JsonArray([.. LabelNames.Select(n => (JsonNode?)JsonValue.Create(n))]);
        }

        root["vit_version"] = VitVersion;
        root["vit_options"] = VitOptions.DeepClone();

        return root.ToJsonString(Indented) + "\n";
    }

    /// <summary>A model without classes (num_classes 0, a feature extractor) may omit label_names, as timm's writer does.</summary>
    private static IReadOnlyList<string> ReadLabelNames(JsonFields fields) =>
        fields.Node.ContainsKey("label_names") || fields.Int("num_classes") > 0 ? fields.Strings("label_names") : [];

    private void Check(string path)
    {
        if (LabelNames.Count != NumClasses)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{path}': label_names has {LabelNames.Count} names but num_classes is {NumClasses}; give one name per class."));
        }

        int channels = Preprocessing.InputSize[0];
        if (Preprocessing.Mean.Count != channels || Preprocessing.Std.Count != channels)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{path}': pretrained_cfg.mean has {Preprocessing.Mean.Count} and pretrained_cfg.std {Preprocessing.Std.Count} values; input_size [{string.Join(", ", Preprocessing.InputSize)}] needs {channels} each."));
        }
    }
}
