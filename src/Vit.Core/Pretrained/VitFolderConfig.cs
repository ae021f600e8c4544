using System.Globalization;
using System.Text.Json.Nodes;
using Vit.Pretrained;

namespace Vit.Core;

/// <summary>
/// Vit's own <c>config.json</c> (<see cref="PretrainedConfig"/>): <c>vit_options</c> is the model, and the timm fields
/// written beside it (<c>architecture</c>, <c>model_args</c>, <c>global_pool</c>, <c>num_features</c>) must describe
/// the same model, or timm and Vit would build different networks from one folder.
/// </summary>
internal static class VitFolderConfig
{
    /// <summary>The options and metadata of a Vit folder's config, cross-checked.</summary>
    public static (string Architecture, VisionTransformerOptions Options, PretrainedMetadata Metadata) Read(JsonFields fields)
    {
        string path = fields.FilePath;
        var config = PretrainedConfig.Read(fields, allowNoClasses: true);
        var options = VitOptionsJson.Read(new JsonFields(path, config.VitOptions, "vit_options."));
        var failures = new VisionTransformerOptionsValidator().Failures(options);
        if (failures.Count > 0)
        {
            throw new InvalidDataException($"'{path}': vit_options is invalid: {string.Join("; ", failures)}.");
        }

        var p = config.Preprocessing;
        int[] expected = [options.InChannels, options.ImageSize, options.ImageSize];
        if (!p.InputSize.SequenceEqual(expected) || config.NumClasses != options.NumClasses)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"'{path}': pretrained_cfg.input_size is [{string.Join(", ", p.InputSize)}] and num_classes {config.NumClasses}, but vit_options describes [{string.Join(", ", expected)}] and {options.NumClasses} classes."));
        }

        CrossCheck(path, config, options);
        var metadata = new PretrainedMetadata
        {
            Mean = [.. p.Mean.Select(v => (float)v)],
            Std = [.. p.Std.Select(v => (float)v)],
            ClassNames = config.LabelNames.Count > 0 ? [.. config.LabelNames] : null,
            CropPct = p.CropPct,
            Interpolation = Enum.Parse<ResizeInterpolation>(p.Interpolation, ignoreCase: true),
        };
        return (config.Architecture, options, metadata);
    }

    /// <summary>What timm builds from architecture + model_args must be the vit_options model (one message lists every difference).</summary>
    private static void CrossCheck(string path, PretrainedConfig config, VisionTransformerOptions vit)
    {
        var (function, _) = TimmRegistry.Find(config.Architecture)
            ?? throw new InvalidDataException($"'{path}': architecture is '{config.Architecture}', which is not a timm ViT architecture Vit knows; the closest are {string.Join(", ", TimmRegistry.Closest(config.Architecture))}.");
        var cfg = new JsonObject
        {
            ["num_classes"] = config.NumClasses,
            ["input_size"] = new JsonArray([.. config.Preprocessing.InputSize.Select(v => (JsonNode?)JsonValue.Create(v))]),
            ["fixed_input_size"] = true,
        };
        var timm = TimmHubConfig.ToOptions(path, config.Architecture, function, config.ModelArgs, cfg);
        var differences = Structure(timm).Zip(Structure(vit))
            .Where(pair => !Equals(pair.First.Value, pair.Second.Value))
            .Select(pair => $"{pair.First.Name} {Text(pair.First.Value)} (vit_options: {Text(pair.Second.Value)})")
            .ToList();
        if (config.GlobalPool != TimmModelArgs.GlobalPool(vit))
        {
            differences.Add($"global_pool '{config.GlobalPool}' (vit_options: '{TimmModelArgs.GlobalPool(vit)}')");
        }

        if (config.NumFeatures != vit.EmbedDim)
        {
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"num_features {config.NumFeatures} (vit_options: embed_dim {vit.EmbedDim})"));
        }

        if (differences.Count > 0)
        {
            throw new InvalidDataException($"'{path}': architecture '{config.Architecture}' with model_args builds another model than vit_options: {string.Join("; ", differences)}.");
        }
    }

    /// <summary>The fields that decide the network timm builds (not the training rates, nor what only an architecture's function can set).</summary>
    private static (string Name, object? Value)[] Structure(VisionTransformerOptions o) =>
    [
        ("img_size", o.ImageSize), ("patch_size", o.PatchSize), ("in_chans", o.InChannels), ("num_classes", o.NumClasses),
        ("embed_dim", o.EmbedDim), ("depth", o.Depth), ("num_heads", o.NumHeads), ("mlp hidden width", o.MlpHiddenDim),
        ("qkv_bias", o.QkvBias), ("proj_bias", o.ProjectionBias), ("qk_norm", o.QkNorm), ("scale_attn_norm", o.ScaleAttentionNorm),
        ("scale_mlp_norm", o.ScaleMlpNorm), ("init_values", o.LayerScaleInit), ("class_token", o.HasClassToken),
        ("reg_tokens", o.RegisterTokens), ("no_embed_class", !o.PositionEmbeddingCoversPrefix), ("pre_norm", o.PreNorm),
        ("final_norm", o.FinalNorm), ("fc_norm", o.UsesFcNorm), ("pool_include_prefix", o.PoolIncludePrefix),
        ("dynamic_img_size", o.DynamicImageSize), ("dynamic_img_pad", o.DynamicImagePad), ("act_layer", o.Activation), ("norm_layer", o.Norm),
    ];

    private static string Text(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
