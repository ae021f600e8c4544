namespace Vit.Core;

/// <summary>
/// Validates <see cref="VisionTransformerOptions"/>: the DataAnnotations ranges on each property and the rules across
/// fields (<c>EmbedDim % NumHeads == 0</c>, <c>ImageSize % PatchSize == 0</c> (of the stem's feature map with a stem), a hidden MLP width of at least 1, and
/// the combinations timm cannot build: class-token pooling without a class token, a distillation token without class-token
/// pooling or with registers, an odd packed SwiGLU width, <c>fc_norm</c> without the final norm).
/// </summary>
public sealed class VisionTransformerOptionsValidator : OptionsValidator<VisionTransformerOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(VisionTransformerOptions options)
    {
        if (options.NumHeads > 0 && options.EmbedDim > 0 && options.EmbedDim % options.NumHeads != 0)
        {
            yield return $"VisionTransformerOptions.EmbedDim is {options.EmbedDim} and NumHeads is {options.NumHeads}, but EmbedDim must be divisible by NumHeads";
        }

        foreach (string failure in VisionTransformerOptionsStemRules.Failures(options))
        {
            yield return failure;
        }

        if (!options.HasStem && options.PatchSize > 0 && options.ImageSize > 0 && options.ImageSize % options.PatchSize != 0)
        {
            yield return $"VisionTransformerOptions.ImageSize is {options.ImageSize} and PatchSize is {options.PatchSize}, but ImageSize must be divisible by PatchSize";
        }

        if (options.EmbedDim > 0 && options.MlpRatio > 0 && options.MlpHiddenDim < 1)
        {
            yield return $"VisionTransformerOptions.MlpRatio is {Show(options.MlpRatio)} but EmbedDim * MlpRatio must be at least 1 (it is {Show(options.EmbedDim * options.MlpRatio)})";
        }

        foreach (string failure in TokenFailures(options))
        {
            yield return failure;
        }

        if (options.Mlp == MlpKind.PackedSwiGlu && options.EmbedDim > 0 && options.MlpRatio > 0 && options.MlpHiddenDim % 2 != 0)
        {
            yield return $"VisionTransformerOptions.Mlp is PackedSwiGlu and MlpHiddenDim is {options.MlpHiddenDim} (EmbedDim {options.EmbedDim} * MlpRatio {Show(options.MlpRatio)}), but the packed fc1 splits into gate and value halves, so MlpHiddenDim must be even";
        }

        if (options.FcNorm == true && !options.FinalNorm)
        {
            yield return "VisionTransformerOptions.FcNorm is true and FinalNorm is false, but fc_norm is the final norm moved after pooling: set FinalNorm to true, or FcNorm to false or null";
        }
    }

    private static IEnumerable<string> TokenFailures(VisionTransformerOptions options)
    {
        if (options.Pooling == Pooling.ClassToken && options.ClassToken == false)
        {
            yield return "VisionTransformerOptions.Pooling is ClassToken and ClassToken is false, but class-token pooling needs a class token: set ClassToken to true or null, or pool with Mean, Max, AvgMax or AttentionPool";
        }

        if (options.DistillationToken && options.Pooling != Pooling.ClassToken)
        {
            yield return $"VisionTransformerOptions.DistillationToken is true and Pooling is {options.Pooling}, but the distilled model classifies from its class and distillation tokens: Pooling must be ClassToken";
        }

        if (options.DistillationToken && options.RegisterTokens > 0)
        {
            yield return $"VisionTransformerOptions.DistillationToken is true and RegisterTokens is {options.RegisterTokens}, but timm's distilled ViT has no register tokens: RegisterTokens must be 0";
        }
    }
}
