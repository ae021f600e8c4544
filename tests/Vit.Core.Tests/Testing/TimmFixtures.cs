namespace Vit.Core.Tests;

/// <summary>
/// The timm fixture cases (Fixtures/pretrained: timm's hub folders; Fixtures/variants: eng/make_variant_fixtures.py) and
/// the options each needs, written by hand from timm's registry entry and the case's model_args.
/// </summary>
internal static class TimmFixtures
{
    /// <summary>Gets every case's folder name.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "dinov2_reg4", "dinov2_reg4_dynamic", "clip_quickgelu", "siglip_map", "siglip_gap_tanh",
        "deit3", "deit_distilled", "reg4_gap", "swiglu", "qk_norm", "aimv2", "scale_norms_avgmax_pad", "max_no_final_norm",
        "conv_stem", "conv_stem_noproj_gap",
    ];

    /// <summary>timm's architecture arguments for the case (its registry entry, then the case's model_args over them).</summary>
    public static VisionTransformerOptions Options(string name)
    {
        // Every case: width 64, 2 blocks, 4 heads, 32x32 inputs in 8x8 patches, 10 classes, unless it says otherwise.
        var o = new VisionTransformerOptions { ImageSize = 32, PatchSize = 8, EmbedDim = 64, Depth = 2, NumHeads = 4, NumClasses = 10 };
        switch (name)
        {
            case "dinov2_reg4" or "dinov2_reg4_dynamic": // vit_small_patch14_reg4_dinov2
                (o.ImageSize, o.PatchSize, o.LayerScaleInit, o.RegisterTokens, o.PositionEmbeddingCoversPrefix) = (56, 14, 1e-5, 4, false);
                if (name.EndsWith("dynamic", StringComparison.Ordinal))
                {
                    (o.NumClasses, o.DynamicImageSize) = (0, true);
                }

                break;
            case "clip_quickgelu": // vit_base_patch16_clip_quickgelu_224
                (o.PreNorm, o.LayerNormEpsilon, o.Activation) = (true, 1e-5, ActivationKind.QuickGelu);
                break;
            case "siglip_map": // vit_base_patch16_siglip_224
                (o.ClassToken, o.Pooling) = (false, Pooling.AttentionPool);
                break;
            case "siglip_gap_tanh": // vit_base_patch16_siglip_gap_224 with act_layer='gelu_tanh'
                (o.ClassToken, o.Pooling, o.FcNorm, o.Activation) = (false, Pooling.Mean, false, ActivationKind.GeluTanh);
                break;
            case "deit3": // deit3_small_patch16_224
                (o.PositionEmbeddingCoversPrefix, o.LayerScaleInit) = (false, 1e-6);
                break;
            case "deit_distilled": // deit_tiny_distilled_patch16_224
                o.DistillationToken = true;
                break;
            case "reg4_gap": // vit_base_patch16_reg4_gap_256
                (o.ClassToken, o.PositionEmbeddingCoversPrefix, o.Pooling, o.RegisterTokens) = (false, false, Pooling.Mean, 4);
                break;
            case "swiglu": // vit_giant_patch14_dinov2
                (o.ImageSize, o.PatchSize, o.EmbedDim, o.LayerScaleInit) = (28, 14, 48, 1e-5);
                (o.MlpRatio, o.Mlp, o.Activation) = (2.66667 * 2, MlpKind.PackedSwiGlu, ActivationKind.Silu);
                break;
            case "qk_norm": // vit_base_patch16_224 with qk_norm=True
                o.QkNorm = true;
                break;
            case "aimv2": // aimv2_large_patch14_224
                (o.ImageSize, o.PatchSize, o.ClassToken, o.FcNorm, o.Pooling, o.MlpRatio) = (28, 14, false, false, Pooling.Mean, 2.75);
                (o.QkvBias, o.ProjectionBias, o.Activation, o.Mlp) = (false, false, ActivationKind.Silu, MlpKind.SwiGlu);
                (o.Norm, o.LayerNormEpsilon, o.PatchEmbeddingNorm) = (NormKind.RmsNorm, 1e-5, true);
                break;
            case "scale_norms_avgmax_pad": // vit_base_patch16_224 with the arguments in its case.json
                (o.ClassToken, o.ScaleAttentionNorm, o.ScaleMlpNorm, o.RegisterTokens, o.Pooling) = (true, true, true, 2, Pooling.AvgMax);
                (o.PoolIncludePrefix, o.FcNorm, o.DynamicImageSize, o.DynamicImagePad) = (true, false, true, true);
                break;
            case "max_no_final_norm": // vit_base_patch16_224 with the arguments in its case.json
                (o.ClassToken, o.Pooling, o.FinalNorm, o.Activation) = (false, Pooling.Max, false, ActivationKind.Silu);
                (o.QkvBias, o.Norm) = (false, NormKind.RmsNorm);
                break;
            case "conv_stem": // HybridEmbed(ConvStem(channels=(16, 32, 48))), patch 2 (eng/make_hybrid_fixtures.py)
                (o.PatchSize, o.StemChannels) = (2, [16, 32, 48]);
                break;
            case "conv_stem_noproj_gap": // HybridEmbed(ConvStem(in_chans=1, channels=(16, 32, 64), GELU), proj=False), avg pooling
                (o.ImageSize, o.InChannels, o.PatchSize, o.StemChannels, o.StemActivation, o.StemProjection) = (28, 1, 1, [16, 32, 64], ActivationKind.Gelu, false);
                (o.ClassToken, o.Pooling) = (false, Pooling.Mean);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "not a timm fixture case");
        }

        return o;
    }

    /// <summary>The path of <paramref name="file"/> in case <paramref name="name"/>'s folder.</summary>
    public static string File(string name, string file) =>
        TestFiles.Fixture(Path.Combine(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained", name)) ? "pretrained" : "variants", name, file));

    /// <summary>Case <paramref name="name"/>'s model with its timm weights, in evaluation mode.</summary>
    public static VisionTransformer Load(string name)
    {
        var model = VisionTransformer.LoadTimm(File(name, "model.safetensors"), Options(name));
        model.eval();
        return model;
    }
}
