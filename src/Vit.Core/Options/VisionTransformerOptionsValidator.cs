namespace Vit.Core;

/// <summary>
/// Validates <see cref="VisionTransformerOptions"/>: the DataAnnotations ranges on each property and the rules across
/// fields (<c>EmbedDim % NumHeads == 0</c>, <c>ImageSize % PatchSize == 0</c>, a hidden MLP width of at least 1).
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

        if (options.PatchSize > 0 && options.ImageSize > 0 && options.ImageSize % options.PatchSize != 0)
        {
            yield return $"VisionTransformerOptions.ImageSize is {options.ImageSize} and PatchSize is {options.PatchSize}, but ImageSize must be divisible by PatchSize";
        }

        if (options.EmbedDim > 0 && options.MlpRatio > 0 && options.MlpHiddenDim < 1)
        {
            yield return $"VisionTransformerOptions.MlpRatio is {Show(options.MlpRatio)} but EmbedDim * MlpRatio must be at least 1 (it is {Show(options.EmbedDim * options.MlpRatio)})";
        }
    }
}
