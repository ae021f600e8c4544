using System.Globalization;
using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// A Hugging Face transformers <c>config.json</c> for <c>model_type</c> <c>vit</c> (ViTModel, ViTForImageClassification)
/// or <c>dinov2</c> (Dinov2Model), read with transformers' defaults, as the <see cref="VisionTransformerOptions"/> of the
/// same network with timm's structure (the weights are renamed by <see cref="TransformersKeyMap"/>).
/// </summary>
internal static class TransformersConfig
{
    private static readonly string[] VitClasses = ["ViTModel", "ViTForImageClassification"];
    private static readonly string[] Dinov2Classes = ["Dinov2Model"];

    /// <summary>The model class, options and preprocessing of a transformers folder.</summary>
    /// <exception cref="InvalidDataException">A model type or class Vit does not read, or a wrong value; the message names the file and field.</exception>
    public static (string Architecture, VisionTransformerOptions Options, PretrainedMetadata Metadata) Read(string path, JsonObject root)
    {
        var config = new OptionalJson(path, root, "");
        string modelType = config.String("model_type", "");
        string[] classes = modelType switch
        {
            "vit" => VitClasses,
            "dinov2" => Dinov2Classes,
            _ => throw config.Invalid("model_type", $"is '{modelType}'; Vit reads transformers' 'vit' (ViTModel, ViTForImageClassification) and 'dinov2' (Dinov2Model)"),
        };
        string architecture = Architecture(config, classes);
        bool dinov2 = modelType == "dinov2";
        int hidden = config.Int("hidden_size", 768, minimum: 1);
        var o = new VisionTransformerOptions
        {
            EmbedDim = hidden,
            Depth = config.Int("num_hidden_layers", 12, minimum: 1),
            NumHeads = config.Int("num_attention_heads", 12, minimum: 1),
            ImageSize = config.Int("image_size", dinov2 ? 518 : 224, minimum: 1),
            PatchSize = config.Int("patch_size", dinov2 ? 14 : 16, minimum: 1),
            InChannels = config.Int("num_channels", 3, minimum: 1),
            QkvBias = config.Bool("qkv_bias", true),
            LayerNormEpsilon = config.Double("layer_norm_eps", dinov2 ? 1e-6 : 1e-12),
            Activation = Activation(config),
            Dropout = config.Double("hidden_dropout_prob", 0),
            AttentionDropout = config.Double("attention_probs_dropout_prob", 0),
            DropPathRate = dinov2 ? config.Double("drop_path_rate", 0) : 0,
            NumClasses = architecture == "ViTForImageClassification" ? Labels(config).Length : 0,
        };
        if (dinov2)
        {
            Dinov2(config, o);
        }
        else
        {
            o.MlpRatio = Ratio(hidden, config.Int("intermediate_size", 3072, minimum: 1));
        }

        var failures = new VisionTransformerOptionsValidator().Failures(o);
        if (failures.Count > 0)
        {
            throw new InvalidDataException($"'{path}': the config describes invalid options: {string.Join("; ", failures)}.");
        }

        return (architecture, o, Metadata(config, o, dinov2));
    }

    private static string Architecture(OptionalJson config, string[] classes)
    {
        var names = config.Node["architectures"] is JsonArray list ? list.Select(n => n?.ToJsonString().Trim('"') ?? "null").ToArray() : [];
        if (names.Length == 0)
        {
            return classes[0];
        }

        return names.Length == 1 && classes.Contains(names[0])
            ? names[0]
            : throw config.Invalid("architectures", $"is [{string.Join(", ", names)}]; Vit reads {string.Join(", ", classes)} for this model_type");
    }

    private static ActivationKind Activation(OptionalJson config)
    {
        string act = config.String("hidden_act", "gelu");
        return act switch
        {
            "gelu" => ActivationKind.Gelu,
            "gelu_pytorch_tanh" or "gelu_new" => ActivationKind.GeluTanh,
            "quick_gelu" => ActivationKind.QuickGelu,
            "silu" or "swish" => ActivationKind.Silu,
            _ => throw config.Invalid("hidden_act", $"is '{act}'; Vit builds gelu, gelu_pytorch_tanh, gelu_new, quick_gelu and silu"),
        };
    }

    /// <summary>DINOv2: LayerScale always, an optional packed SwiGLU whose width transformers rounds as (2/3 x, multiple of 8).</summary>
    private static void Dinov2(OptionalJson config, VisionTransformerOptions o)
    {
        o.LayerScaleInit = config.Double("layerscale_value", 1.0);
        double ratio = config.Double("mlp_ratio", 4.0);
        if (!(ratio > 0) || ratio > 64)
        {
            throw config.Invalid("mlp_ratio", string.Create(CultureInfo.InvariantCulture, $"is {ratio}; expected a number in (0, 64]"));
        }

        int hidden = (int)(o.EmbedDim * ratio);
        if (config.Bool("use_swiglu_ffn", false))
        {
            // transformers' Dinov2SwiGLUFFN: weights_in is 2 x ((int(hidden * 2 / 3) + 7) // 8 * 8) wide, gate first.
            int half = ((int)(hidden * 2.0 / 3) + 7) / 8 * 8;
            o.Mlp = MlpKind.PackedSwiGlu;
            o.Activation = ActivationKind.Silu;
            o.MlpRatio = Ratio(o.EmbedDim, 2 * half);
        }
        else
        {
            o.MlpRatio = Ratio(o.EmbedDim, hidden);
        }
    }

    /// <summary>A ratio whose <c>(int)(dim * ratio)</c> is exactly <paramref name="width"/> (a plain quotient can land a hair below).</summary>
    private static double Ratio(int dim, int width)
    {
        double ratio = (double)width / dim;
        return (int)(dim * ratio) == width ? ratio : (width + 0.5) / dim;
    }

    private static string[] Labels(OptionalJson config)
    {
        if (config.Node["id2label"] is not JsonObject id2label || id2label.Count == 0)
        {
            int count = config.Int("num_labels", 2, minimum: 1, maximum: 1 << 20);
            return [.. Enumerable.Range(0, count).Select(i => $"LABEL_{i}")];
        }

        var names = new string[id2label.Count];
        foreach (var (key, value) in id2label)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= names.Length || names[index] is not null)
            {
                throw config.Invalid("id2label", $"has key '{key}'; expected the indices 0 to {names.Length - 1}, each once");
            }

            names[index] = value is JsonValue v && v.TryGetValue(out string? name) ? name : throw config.Invalid("id2label", $"maps '{key}' to {value?.ToJsonString() ?? "null"}; expected a string");
        }

        return names;
    }

    /// <summary>transformers' image processors: ViT resizes straight to the size with mean/std 0.5; DINOv2 resizes to 256 and centre-crops 224 with ImageNet's.</summary>
    private static PretrainedMetadata Metadata(OptionalJson config, VisionTransformerOptions o, bool dinov2) => new()
    {
        Mean = dinov2 ? [0.485f, 0.456f, 0.406f] : [.. Enumerable.Repeat(0.5f, o.InChannels)],
        Std = dinov2 ? [0.229f, 0.224f, 0.225f] : [.. Enumerable.Repeat(0.5f, o.InChannels)],
        CropPct = dinov2 ? 224.0 / 256 : 1.0,
        Interpolation = dinov2 ? ResizeInterpolation.Bicubic : ResizeInterpolation.Bilinear,
        ClassNames = o.NumClasses > 0 ? Labels(config) : null,
    };
}
