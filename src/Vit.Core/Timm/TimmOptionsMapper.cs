using System.Globalization;

namespace Vit.Core;

/// <summary>
/// Turns timm's <c>VisionTransformer</c> keyword arguments into <see cref="VisionTransformerOptions"/>: the one mapping
/// behind <see cref="VisionTransformerOptions.FromTimm"/> and the <c>model_args</c> of timm's hub folders. An argument
/// Vit cannot build fails through the arguments' error factory, naming the timm argument and its value.
/// </summary>
internal static class TimmOptionsMapper
{
    /// <summary>The options timm would build from <paramref name="a"/>.</summary>
    public static VisionTransformerOptions ToOptions(TimmArguments a)
    {
        RejectUnsupported(a);
        var o = new VisionTransformerOptions
        {
            ImageSize = a.Int("img_size", 224),
            PatchSize = a.Int("patch_size", 16),
            InChannels = a.Int("in_chans", 3),
            NumClasses = a.Int("num_classes", 1000),
            EmbedDim = a.Int("embed_dim", 768),
            Depth = a.Int("depth", 12),
            NumHeads = a.Int("num_heads", 12),
            MlpRatio = a.Double("mlp_ratio", 4.0),
            QkvBias = a.Bool("qkv_bias", true),
            LayerScaleInit = a.NullableDouble("init_values"),
            Dropout = Dropout(a),
            AttentionDropout = a.Double("attn_drop_rate", 0),
            DropPathRate = a.Double("drop_path_rate", 0),
        };
        MapNorm(a, o);
        MapPooling(a, o);
        MapFeatures(a, o);
        return o;
    }

    /// <summary>Arguments naming a block, attention or embedding Vit does not implement.</summary>
    private static void RejectUnsupported(TimmArguments a)
    {
        string block = a.Layer("block_fn", "Block")!.Value.Layer;
        if (block != "Block")
        {
            throw a.Error("block_fn", $"is {block}; Vit builds timm's standard Block only (no parallel, res-post or differential-attention blocks)");
        }

        string attention = a.Layer("attn_layer", "Attention")!.Value.Layer;
        if (attention is not ("Attention" or "attn"))
        {
            throw a.Error("attn_layer", $"is '{attention}'; Vit builds timm's standard Attention only");
        }

        string embed = a.Layer("embed_layer", "PatchEmbed")!.Value.Layer;
        if (embed != "PatchEmbed")
        {
            throw a.Error("embed_layer", $"is {embed}; Vit builds timm's PatchEmbed only");
        }

        string posEmbed = a.String("pos_embed", "learn");
        if (posEmbed != "learn")
        {
            throw a.Error("pos_embed", $"is '{posEmbed}'; Vit builds learned absolute position embeddings only ('learn')");
        }

        double patchDrop = a.Double("patch_drop_rate", 0);
        if (patchDrop != 0)
        {
            throw a.Error("patch_drop_rate", string.Create(CultureInfo.InvariantCulture, $"is {patchDrop}; Vit has no patch dropout (use 0)"));
        }

        if (a.Double("drop_rate", 0) != 0)
        {
            throw a.Error("drop_rate", "is not 0; Vit has no dropout before the head");
        }
    }

    /// <summary>Vit has one rate for timm's pos_drop_rate and proj_drop_rate.</summary>
    private static double Dropout(TimmArguments a)
    {
        double position = a.Double("pos_drop_rate", 0);
        double projection = a.Double("proj_drop_rate", 0);
        return position == projection
            ? position
            : throw a.Error("proj_drop_rate", string.Create(CultureInfo.InvariantCulture, $"is {projection} and pos_drop_rate {position}; Vit has one Dropout rate for both"));
    }

    private static void MapNorm(TimmArguments a, VisionTransformerOptions o)
    {
        var (layer, arguments) = a.Layer("norm_layer", "LayerNorm")!.Value;
        string kind = layer.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        if (kind != "layernorm")
        {
            throw a.Error("norm_layer", $"is {layer}; this Vit builds LayerNorm only");
        }

        // timm's LayerNorm defaults to eps 1e-6 (PyTorch's to 1e-5).
        o.LayerNormEpsilon = a.LayerNumber("norm_layer", arguments, "eps") ?? 1e-6;
    }

    private static void MapPooling(TimmArguments a, VisionTransformerOptions o)
    {
        bool classToken = a.Bool("class_token", true);
        string pool = a.String("global_pool", "token");
        bool fcNorm = a.NullableBool("fc_norm") ?? pool is "avg" or "avgmax" or "max";
        if (pool == "token" && classToken && !fcNorm)
        {
            o.Pooling = Pooling.ClassToken;
        }
        else if (pool == "avg" && !classToken && fcNorm)
        {
            o.Pooling = Pooling.Mean;
        }
        else
        {
            throw a.Error("global_pool", $"is '{pool}' with class_token {Text(classToken)} and fc_norm {Text(fcNorm)}; this Vit builds 'token' with a class token or 'avg' without one");
        }
    }

    private static void MapFeatures(TimmArguments a, VisionTransformerOptions o)
    {
        foreach (string name in (string[])["qk_norm", "scale_attn_norm", "scale_mlp_norm", "no_embed_class", "pre_norm", "pool_include_prefix", "dynamic_img_size", "dynamic_img_pad", "distilled"])
        {
            if (a.Bool(name, false))
            {
                throw a.Error(name, "is true; this Vit does not build it");
            }
        }

        if (!a.Bool("proj_bias", true) || !a.Bool("final_norm", true) || a.Int("reg_tokens", 0) != 0)
        {
            throw a.Error("reg_tokens", "is set; this Vit does not build register tokens, final_norm false or proj_bias false");
        }

        if (a.Layer("embed_norm_layer", null) is not null || a.Layer("mlp_layer", "Mlp")!.Value.Layer != "Mlp" || a.Layer("act_layer", "GELU")!.Value.Layer is not ("GELU" or "gelu"))
        {
            throw a.Error("mlp_layer", "is set; this Vit builds the GELU Mlp only");
        }

        _ = o;
    }

    private static string Text(bool value) => value ? "true" : "false";
}
