using System.Globalization;
using System.Text.Json.Nodes;

namespace Vit.Core;

/// <summary>
/// timm's hub <c>config.json</c> (<c>timm.models._hub.save_config_for_hf</c>): <c>architecture</c>, optional
/// <c>model_args</c> applied over the architecture's own arguments, <c>pretrained_cfg</c>, <c>num_classes</c>,
/// <c>global_pool</c>, <c>num_features</c>, <c>label_names</c>. Read as timm's <c>create_model</c> does.
/// </summary>
internal static class TimmHubConfig
{
    /// <summary>The options timm would build from the config, and its preprocessing and class names.</summary>
    /// <exception cref="InvalidDataException">An unknown architecture, a model_args field Vit does not build, or a wrong value; the message names the file and field.</exception>
    public static (string Architecture, VisionTransformerOptions Options, PretrainedMetadata Metadata) Read(string path, JsonObject root)
    {
        var config = new OptionalJson(path, root, "");
        string architecture = config.String("architecture", "");
        var (function, _) = TimmRegistry.Find(architecture)
            ?? throw config.Invalid("architecture", $"is '{architecture}', which is not a timm ViT architecture Vit knows; the closest are {string.Join(", ", TimmRegistry.Closest(architecture))}");
        var modelArgs = config.Object("model_args")?.Node ?? [];
        var cfg = config.Object("pretrained_cfg")?.Node ?? [];
        var options = ToOptions(path, architecture, function, modelArgs, PretrainedCfg(config, cfg));
        CheckInformational(config, options);
        return (architecture, options, Metadata(path, config, cfg, options));
    }

    /// <summary>
    /// The options of <paramref name="architecture"/> with <paramref name="modelArgs"/> applied and the cfg's defaults,
    /// validated; errors name the model_args field, or the architecture when the argument is its own.
    /// </summary>
    public static VisionTransformerOptions ToOptions(string path, string architecture, JsonObject function, JsonObject modelArgs, JsonObject pretrainedCfg)
    {
        var args = TimmRegistry.Resolve(function, modelArgs, pretrainedCfg);
        var arguments = TimmArguments.Read(args, (name, problem) => new InvalidDataException(modelArgs.ContainsKey(name)
            ? $"'{path}': model_args.{name} {problem}."
            : $"'{path}': architecture '{architecture}' has {name} that Vit cannot build: {name} {problem}."));
        VisionTransformerOptions options;
        try
        {
            options = TimmOptionsMapper.ToOptions(arguments);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }

        var failures = new VisionTransformerOptionsValidator().Failures(options);
        return failures.Count == 0
            ? options
            : throw new InvalidDataException($"'{path}': architecture '{architecture}' with model_args {modelArgs.ToJsonString()} gives invalid options: {string.Join("; ", failures)}.");
    }

    /// <summary>timm's <c>_parse_model_cfg</c>: the top-level num_classes overrides the cfg's.</summary>
    private static JsonObject PretrainedCfg(OptionalJson config, JsonObject cfg)
    {
        var merged = (JsonObject)cfg.DeepClone();
        if (config.Node.ContainsKey("num_classes"))
        {
            merged["num_classes"] = config.Int("num_classes", 0);
        }

        // timm's PretrainedCfg defaults for what a hub cfg leaves out.
        merged.TryAdd("num_classes", 1000);
        merged.TryAdd("input_size", new JsonArray(3, 224, 224));
        return merged;
    }

    /// <summary><c>global_pool</c> and <c>num_features</c> are informational in timm; here they must agree with what the architecture builds.</summary>
    private static void CheckInformational(OptionalJson config, VisionTransformerOptions options)
    {
        string pool = config.String("global_pool", TimmModelArgs.GlobalPool(options));
        if (pool != TimmModelArgs.GlobalPool(options))
        {
            throw config.Invalid("global_pool", $"is '{pool}' but the architecture and model_args build '{TimmModelArgs.GlobalPool(options)}' pooling");
        }

        int features = config.Int("num_features", options.EmbedDim);
        if (features != options.EmbedDim)
        {
            throw config.Invalid("num_features", string.Create(CultureInfo.InvariantCulture, $"is {features} but the architecture and model_args build {options.EmbedDim} features"));
        }
    }

    private static PretrainedMetadata Metadata(string path, OptionalJson config, JsonObject cfg, VisionTransformerOptions options)
    {
        var pretrained = new OptionalJson(path, cfg, "pretrained_cfg.");
        string interpolation = pretrained.String("interpolation", "bicubic");
        var metadata = new PretrainedMetadata
        {
            // timm's PretrainedCfg defaults: ImageNet mean/std, crop_pct 0.875, bicubic.
            Mean = [.. (pretrained.Doubles("mean") ?? [0.485, 0.456, 0.406]).Select(v => (float)v)],
            Std = [.. (pretrained.Doubles("std") ?? [0.229, 0.224, 0.225]).Select(v => (float)v)],
            CropPct = pretrained.Double("crop_pct", 0.875),
            Interpolation = interpolation switch
            {
                "bicubic" => ResizeInterpolation.Bicubic,
                "bilinear" => ResizeInterpolation.Bilinear,
                "nearest" => ResizeInterpolation.Nearest,
                _ => throw pretrained.Invalid("interpolation", $"is '{interpolation}'; expected one of bilinear, bicubic, nearest"),
            },
            ClassNames = LabelNames(config, options),
        };
        var failures = new PretrainedMetadataValidator().Failures(metadata);
        return failures.Count == 0 ? metadata : throw new InvalidDataException($"'{path}': pretrained_cfg is invalid: {string.Join("; ", failures)}.");
    }

    private static string[]? LabelNames(OptionalJson config, VisionTransformerOptions options)
    {
        if (!config.Node.TryGetPropertyValue("label_names", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonArray names || names.Any(n => n is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String))
        {
            throw config.Invalid("label_names", "is not an array of strings");
        }

        return names.Count == options.NumClasses
            ? [.. names.Select(n => n!.GetValue<string>())]
            : throw config.Invalid("label_names", string.Create(CultureInfo.InvariantCulture, $"has {names.Count} names but the model has {options.NumClasses} classes"));
    }
}
