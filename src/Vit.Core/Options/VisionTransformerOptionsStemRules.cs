using System.Globalization;

namespace Vit.Core;

/// <summary>The rules across the convolutional stem's fields of <see cref="VisionTransformerOptions"/>.</summary>
internal static class VisionTransformerOptionsStemRules
{
    /// <summary>Every rule <paramref name="options"/>' stem fields break, as messages naming the fields and values.</summary>
    public static IEnumerable<string> Failures(VisionTransformerOptions options)
    {
        if (!options.HasStem)
        {
            if (options.StemChannels is { Length: 0 })
            {
                yield return "VisionTransformerOptions.StemChannels is empty; set null for no stem, or one channel count per convolution";
            }

            foreach (var (name, values) in new[] { ("StemStrides", options.StemStrides), ("StemKernelSizes", options.StemKernelSizes) })
            {
                if (values is not null)
                {
                    yield return $"VisionTransformerOptions.{name} is [{Show(values)}] but StemChannels is null: a stem needs its channels";
                }
            }

            if (!options.StemProjection)
            {
                yield return "VisionTransformerOptions.StemProjection is false but StemChannels is null: only a stem's features can skip the projection";
            }

            yield break;
        }

        foreach (var (name, values) in new[] { ("StemChannels", options.StemChannels), ("StemStrides", options.StemStrides), ("StemKernelSizes", options.StemKernelSizes) })
        {
            if (values is null)
            {
                continue;
            }

            if (values.Length != options.StemChannels!.Length)
            {
                yield return $"VisionTransformerOptions.{name} is [{Show(values)}] ({values.Length} values) but StemChannels has {options.StemChannels.Length}: one per stem convolution";
            }
            else if (values.Any(v => v < 1))
            {
                yield return $"VisionTransformerOptions.{name} is [{Show(values)}] but every value must be at least 1";
            }
        }

        if (!Enum.IsDefined(options.StemActivation))
        {
            yield return $"VisionTransformerOptions.StemActivation is {options.StemActivation}, which is not an ActivationKind";
        }

        if (options.PatchEmbeddingNorm)
        {
            yield return "VisionTransformerOptions.PatchEmbeddingNorm is true and StemChannels is set, but timm's hybrid embedding has no norm: set PatchEmbeddingNorm to false";
        }

        if (!options.StemProjection && (options.PatchSize != 1 || options.StemChannels![^1] != options.EmbedDim))
        {
            yield return $"VisionTransformerOptions.StemProjection is false with PatchSize {options.PatchSize} and a last stem width of {options.StemChannels![^1]}, but without the projection the stem's features are the tokens: PatchSize must be 1 and the last of StemChannels must equal EmbedDim ({options.EmbedDim})";
        }

        int[] channels = options.StemChannels!;
        bool shapesValid = channels.All(c => c >= 1) && (options.StemStrides ?? [1]).All(v => v >= 1) && (options.StemKernelSizes ?? [1]).All(v => v >= 1)
            && (options.StemStrides?.Length ?? channels.Length) == channels.Length
            && (options.StemKernelSizes?.Length ?? channels.Length) == channels.Length;
        if (shapesValid && options.ImageSize > 0 && options.PatchSize > 0)
        {
            long side = options.StemOutputSide(options.ImageSize);
            if (side < 1 || side % options.PatchSize != 0)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"VisionTransformerOptions.ImageSize is {options.ImageSize}, PatchSize {options.PatchSize} and the stem makes a {side}x{side} feature map of it, but the feature map's side must be a positive multiple of PatchSize");
            }
        }
    }

    private static string Show(int[] values) => string.Join(", ", values);
}
