using System.Globalization;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// Layer-wise learning-rate scales as timm's <c>param_groups_layer_decay</c> computes them: a parameter in layer
/// <c>i</c> of <c>n</c> gets <c>decay ^ (n - 1 - i)</c>.
/// </summary>
/// <remarks>
/// For a <see cref="VisionTransformer"/> of depth L the layers follow timm's <c>group_matcher</c>: <c>cls_token</c>,
/// <c>reg_token</c>, <c>dist_token</c>, <c>pos_embed</c> and <c>patch_embed.*</c> are layer 0 (scale decay^(L+1)),
/// <c>blocks.i.*</c> layer i + 1 (decay^(L-i)), every name starting with <c>norm</c> (the final <c>norm.*</c>, and
/// <c>norm_pre.*</c>, which timm's <c>^norm</c> also matches) goes with the last block, and everything else (the
/// heads, <c>fc_norm</c>, <c>attn_pool</c>) is layer L + 1 (scale 1). As in timm, a model with nothing after the
/// last block (no head, no <c>fc_norm</c>, no <c>attn_pool</c>) has L + 1 layers, so its last block gets scale 1.
/// Other models say their layers through <see cref="ILayerDecayModel"/>.
/// </remarks>
public static class LayerDecayScales
{
    /// <summary>Returns each trainable parameter's learning-rate scale, by <c>named_parameters()</c> name.</summary>
    /// <param name="model">A <see cref="VisionTransformer"/> or a model that implements <see cref="ILayerDecayModel"/>.</param>
    /// <param name="layerDecay">The decay per layer, in (0, 1].</param>
    /// <returns>The scales, in the model's parameter order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layerDecay"/> is not in (0, 1].</exception>
    /// <exception cref="ArgumentException">The model does not say its layers, or says an id out of range.</exception>
    public static IReadOnlyDictionary<string, double> For(nn.Module model, double layerDecay)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(layerDecay > 0 && layerDecay <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(layerDecay), layerDecay, string.Create(CultureInfo.InvariantCulture, $"The layer decay ({layerDecay}) must be in (0, 1]."));
        }

        var (count, layerOf) = Layers(model);
        var scales = new Dictionary<string, double>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!parameter.requires_grad)
            {
                continue;
            }

            int id = layerOf(name);
            if (id < 0 || id >= count)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{model.GetType().Name}.GetLayerId(\"{name}\") returned {id}; layer ids must be in [0, {count}) (LayerCount {count})."), nameof(model));
            }

            scales[name] = Math.Pow(layerDecay, count - 1 - id);
        }

        return scales;
    }

    /// <summary>The layer id of a parameter of a timm-named ViT of the given depth (see the remarks).</summary>
    internal static int VisionTransformerLayerId(string name, int depth)
    {
        if (name is "cls_token" or "reg_token" or "dist_token" or "pos_embed" || name.StartsWith("patch_embed.", StringComparison.Ordinal))
        {
            return 0;
        }

        if (name.StartsWith("blocks.", StringComparison.Ordinal))
        {
            int end = name.IndexOf('.', "blocks.".Length);
            if (end > 0 && int.TryParse(name.AsSpan("blocks.".Length, end - "blocks.".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int block))
            {
                return block + 1;
            }
        }

        // timm's matcher puts ^norm (norm.*, norm_pre.*) with the group before it (the last block); unmatched names go last.
        return name.StartsWith("norm", StringComparison.Ordinal) ? depth : depth + 1;
    }

    private static (int Count, Func<string, int> LayerOf) Layers(nn.Module model)
    {
        switch (model)
        {
            case ILayerDecayModel layered:
                if (layered.LayerCount < 1)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{model.GetType().Name}.LayerCount is {layered.LayerCount}; it must be at least 1."), nameof(model));
                }

                return (layered.LayerCount, layered.GetLayerId);
            case VisionTransformer vit:
                int depth = vit.Options.Depth;

                // timm numbers the groups that exist: without parameters after the last block there are L + 1 layers.
                bool anyAfterBlocks = vit.named_parameters().Any(p => p.parameter.requires_grad && VisionTransformerLayerId(p.name, depth) == depth + 1);
                return (anyAfterBlocks ? depth + 2 : depth + 1, name => VisionTransformerLayerId(name, depth));
            default:
                throw new ArgumentException(
                    $"Layer-wise learning-rate decay needs each parameter's layer, and {model.GetType().Name} is not a VisionTransformer: implement ILayerDecayModel on it to say its layer ids, or leave TrainerOptions.LayerDecay null.",
                    nameof(model));
        }
    }
}
