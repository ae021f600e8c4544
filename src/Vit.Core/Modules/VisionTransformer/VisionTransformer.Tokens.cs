using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>The token sequence: patches, prefix tokens and position embedding (timm's <c>_pos_embed</c>).</summary>
public sealed partial class VisionTransformer
{
    /// <summary>Patch tokens with the prefix tokens and the position embedding, after <c>pos_drop</c> and <c>norm_pre</c>.</summary>
    private Tensor EmbedAndPreNorm(Tensor images)
    {
        using var embedded = Embed(images);
        return norm_pre.call(embedded);
    }

    /// <summary>
    /// timm's <c>_pos_embed</c>: prefix tokens (class, then registers or the distillation token) and the position
    /// embedding, added after the concatenation when it covers the prefix, before it otherwise (<c>no_embed_class</c>).
    /// </summary>
    private Tensor Embed(Tensor images)
    {
        using var patches = patch_embed.call(images);
        var (rows, columns) = patch_embed.GridFor(images.shape[2], images.shape[3]);
        using var resampled = ResampledPositions(rows, columns);
        var positions = resampled ?? pos_embed;
        Tensor tokens;
        if (_options.NumPrefixTokens == 0)
        {
            tokens = patches.add(positions, ScalarConstants.One);
        }
        else if (_options.PositionEmbeddingCoversPrefix)
        {
            using var joined = WithPrefix(patches);
            tokens = joined.add(positions, ScalarConstants.One);
        }
        else
        {
            using var placed = patches.add(positions, ScalarConstants.One);
            tokens = WithPrefix(placed);
        }

        using (tokens)
        {
            return pos_drop.call(tokens);
        }
    }

    /// <summary>The prefix tokens expanded over the batch, then <paramref name="patches"/>, along the token dimension.</summary>
    private Tensor WithPrefix(Tensor patches)
    {
        long batch = patches.shape[0];
        var parts = new List<Tensor>(4);
        try
        {
            foreach (var token in new[] { cls_token, dist_token, reg_token })
            {
                if (token is not null)
                {
                    parts.Add(token.expand(batch, -1, -1));
                }
            }

            parts.Add(patches);
            return torch.cat(parts, 1);
        }
        finally
        {
            for (int i = 0; i < parts.Count - 1; i++)
            {
                parts[i].Dispose();
            }
        }
    }

    /// <summary>
    /// The position embedding resampled to a <paramref name="rows"/> x <paramref name="columns"/> grid (dynamic image
    /// size, differentiable), or <see langword="null"/> when the grid is the one it was built for.
    /// </summary>
    private Tensor? ResampledPositions(int rows, int columns)
    {
        int grid = patch_embed.GridSize;
        if (rows == grid && columns == grid)
        {
            return null;
        }

        if (!_options.DynamicImageSize)
        {
            throw new InvalidOperationException($"The patch grid is {rows}x{columns} but the model was built for {grid}x{grid} and VisionTransformerOptions.DynamicImageSize is false.");
        }

        int prefix = _options.PositionEmbeddingCoversPrefix ? _options.NumPrefixTokens : 0;
        return PositionEmbedding.ResampleGrid(pos_embed, (grid, grid), (rows, columns), prefix);
    }
}
