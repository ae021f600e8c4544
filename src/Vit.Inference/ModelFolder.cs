using System.Globalization;
using System.Text.Json.Nodes;
using Vit.Pretrained;

namespace Vit.Inference;

/// <summary>
/// What Vit.Inference reads from a model folder besides the ONNX graph: the classes (from <c>config.json</c>: Vit's
/// and timm's <c>num_classes</c> + <c>label_names</c>, or transformers' <c>id2label</c>) and the preprocessing
/// (transformers' <c>preprocessor_config.json</c> when present, otherwise timm's <c>pretrained_cfg</c>).
/// </summary>
internal sealed class ModelFolder
{
    /// <summary>Gets the folder's <c>config.json</c>.</summary>
    public required string ConfigPath { get; init; }

    /// <summary>Gets the number of classes; 0 for a model without a classifier.</summary>
    public required int NumClasses { get; init; }

    /// <summary>Gets the class names by index (the indices themselves when the config names none).</summary>
    public required IReadOnlyList<string> LabelNames { get; init; }

    /// <summary>Gets the evaluation preprocessing.</summary>
    public required PreprocessingPlan Preprocessing { get; init; }

    /// <summary>Reads and checks the folder's configs, before any model file is opened.</summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">A config is not JSON, lacks a field, or holds an impossible value (the message names the file and the field).</exception>
    public static ModelFolder Read(string directory)
    {
        string path = Path.Combine(directory, PretrainedConfig.FileName);
        var fields = ConfigFile.Read(path);
        bool transformers = ConfigValues.Present(fields, "model_type") && !ConfigValues.Present(fields, "pretrained_cfg");
        var labels = transformers ? TransformersLabels(fields) : TimmLabels(fields);
        string processorPath = Path.Combine(directory, TransformersPreprocessingReader.FileName);
        var plan = File.Exists(processorPath) ? TransformersPreprocessingReader.Read(processorPath) : TimmPreprocessingReader.Read(fields.Object("pretrained_cfg"));
        return new ModelFolder { ConfigPath = path, NumClasses = labels.Count, LabelNames = labels, Preprocessing = plan };
    }

    /// <summary>Vit's and timm's <c>num_classes</c> with optional <c>label_names</c> (one per class).</summary>
    private static IReadOnlyList<string> TimmLabels(JsonFields fields)
    {
        int classes = fields.Int("num_classes", minimum: 0);
        if (!ConfigValues.Present(fields, "label_names"))
        {
            return Indices(classes);
        }

        var names = fields.Node["label_names"] is JsonArray { Count: 0 } ? [] : fields.Strings("label_names");
        return names.Count == classes
            ? names
            : throw fields.Invalid("label_names", string.Create(CultureInfo.InvariantCulture, $"has {names.Count} names but num_classes is {classes}; give one name per class"));
    }

    /// <summary>transformers' <c>id2label</c> of a <c>...ForImageClassification</c> model; none for a bare backbone.</summary>
    private static string[] TransformersLabels(JsonFields fields)
    {
        bool classifier = ConfigValues.Present(fields, "architectures") && fields.Strings("architectures").Any(a => a.EndsWith("ForImageClassification", StringComparison.Ordinal));
        if (!classifier || !ConfigValues.Present(fields, "id2label"))
        {
            return [];
        }

        var map = fields.Object("id2label");
        var names = new string[map.Node.Count];
        foreach (var (key, _) in map.Node)
        {
            int index = int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < names.Length
                ? i
                : throw map.Invalid(key, string.Create(CultureInfo.InvariantCulture, $"is not a class index below {names.Length}"));
            names[index] = map.String(key);
        }

        return names;
    }

    private static string[] Indices(int count) => [.. Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture))];
}
