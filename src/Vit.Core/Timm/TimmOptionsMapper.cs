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
            ProjectionBias = a.Bool("proj_bias", true),
            QkNorm = a.Bool("qk_norm", false),
            ScaleAttentionNorm = a.Bool("scale_attn_norm", false),
            ScaleMlpNorm = a.Bool("scale_mlp_norm", false),
            LayerScaleInit = a.NullableDouble("init_values"),
            RegisterTokens = a.Int("reg_tokens", 0),
            DistillationToken = a.Bool("distilled", false),
            PositionEmbeddingCoversPrefix = !a.Bool("no_embed_class", false),
            DynamicImageSize = a.Bool("dynamic_img_size", false),
            DynamicImagePad = a.Bool("dynamic_img_pad", false),
            PreNorm = a.Bool("pre_norm", false),
            FinalNorm = a.Bool("final_norm", true),
            PoolIncludePrefix = a.Bool("pool_include_prefix", false),
            Dropout = Dropout(a),
            AttentionDropout = a.Double("attn_drop_rate", 0),
            DropPathRate = a.Double("drop_path_rate", 0),
            HeadDropout = a.Double("drop_rate", 0),
            Activation = Activation(a),
            Mlp = Mlp(a),
        };
        MapNorms(a, o);
        MapPooling(a, o);
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
            throw a.Error("attn_layer", $"is '{attention}'; Vit builds timm's standard Attention only (no differential attention)");
        }

        string embed = a.Layer("embed_layer", "PatchEmbed")!.Value.Layer;
        if (embed != "PatchEmbed")
        {
            throw a.Error("embed_layer", $"is {embed}; Vit builds timm's PatchEmbed only");
        }

        string posEmbed = a.String("pos_embed", "learn");
        if (posEmbed != "learn")
        {
            throw a.Error("pos_embed", $"is '{posEmbed}'; Vit builds learned absolute position embeddings only ('learn'; no RoPE or relative position bias)");
        }

        double patchDrop = a.Double("patch_drop_rate", 0);
        if (patchDrop != 0)
        {
            throw a.Error("patch_drop_rate", string.Create(CultureInfo.InvariantCulture, $"is {patchDrop}; Vit has no patch dropout (use 0)"));
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

    private static ActivationKind Activation(TimmArguments a)
    {
        string layer = a.Layer("act_layer", "gelu")!.Value.Layer;
        return layer.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "gelu" => ActivationKind.Gelu,
            "gelutanh" => ActivationKind.GeluTanh,
            "quickgelu" => ActivationKind.QuickGelu,
            "silu" or "swish" => ActivationKind.Silu,
            _ => throw a.Error("act_layer", $"is {layer}; Vit builds gelu, gelu_tanh, quick_gelu and silu"),
        };
    }

    private static MlpKind Mlp(TimmArguments a)
    {
        var (layer, arguments) = a.Layer("mlp_layer", "Mlp")!.Value;
        return layer switch
        {
            "Mlp" => MlpKind.Standard,
            "SwiGLU" => MlpKind.SwiGlu,
            "SwiGLUPacked" => MlpKind.PackedSwiGlu,
            // timm's SwiGLUPacked is partial(GluMlp, act_layer=nn.SiLU, gate_last=False); the block's act_layer overrides the partial's.
            "GluMlp" when arguments["gate_last"]?.GetValue<bool>() == false => MlpKind.PackedSwiGlu,
            _ => throw a.Error("mlp_layer", $"is {(arguments.Count == 0 ? layer : $"{layer} {arguments.ToJsonString()}")}; Vit builds Mlp, SwiGLU and SwiGLUPacked (GluMlp with gate_last=False)"),
        };
    }

    private static void MapNorms(TimmArguments a, VisionTransformerOptions o)
    {
        var (kind, eps) = Norm(a, "norm_layer", "LayerNorm")!.Value;
        o.Norm = kind;
        o.LayerNormEpsilon = eps;
        if (Norm(a, "embed_norm_layer", null) is { } embedNorm)
        {
            // Vit has one norm kind and epsilon for the whole model.
            if (embedNorm != (kind, eps))
            {
                throw a.Error("embed_norm_layer", string.Create(CultureInfo.InvariantCulture, $"is {embedNorm.Kind} with eps {embedNorm.Eps} while norm_layer is {kind} with eps {eps}; Vit uses one norm kind and epsilon throughout"));
            }

            o.PatchEmbeddingNorm = true;
        }
    }

    private static (NormKind Kind, double Eps)? Norm(TimmArguments a, string name, string? fallback)
    {
        if (a.Layer(name, fallback) is not var (layer, arguments))
        {
            return null;
        }

        var kind = layer.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "layernorm" => NormKind.LayerNorm,
            "rmsnorm" => NormKind.RmsNorm,
            _ => throw a.Error(name, $"is {layer}; Vit builds LayerNorm and RmsNorm"),
        };

        // timm's LayerNorm and RmsNorm both default to eps 1e-6 (PyTorch's LayerNorm to 1e-5).
        return (kind, a.LayerNumber(name, arguments, "eps") ?? 1e-6);
    }

    private static void MapPooling(TimmArguments a, VisionTransformerOptions o)
    {
        string pool = a.String("global_pool", "token");
        o.Pooling = pool switch
        {
            "token" => Pooling.ClassToken,
            "avg" => Pooling.Mean,
            "max" => Pooling.Max,
            "avgmax" => Pooling.AvgMax,
            "map" => Pooling.AttentionPool,
            _ => throw a.Error("global_pool", $"is '{pool}'; Vit pools with token, avg, max, avgmax or map"),
        };

        // Explicit only where timm's value differs from what Vit's pooling implies, so equal models have equal options.
        bool classToken = a.Bool("class_token", true);
        o.ClassToken = classToken == (o.Pooling == Pooling.ClassToken) ? null : classToken;
        bool? fcNorm = a.NullableBool("fc_norm");
        o.FcNorm = fcNorm == (o.Pooling is Pooling.Mean or Pooling.Max or Pooling.AvgMax) ? null : fcNorm;
        if (o.Pooling == Pooling.ClassToken && !classToken)
        {
            throw a.Error("global_pool", "is 'token' but class_token is false; timm needs a class token to pool it");
        }
    }
}
