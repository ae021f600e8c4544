using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>Operations on learned absolute position embeddings shaped <c>[1, prefix + grid², D]</c>.</summary>
public static class PositionEmbedding
{
    /// <summary>
    /// Resizes a square grid of position embeddings bicubically, keeping the prefix (class) tokens, as timm's
    /// <c>resample_abs_pos_embed</c> does when a checkpoint is loaded at another resolution (bicubic with
    /// <c>antialias=True</c>, which PyTorch implements with the a = -0.5 cubic kernel even when upsampling).
    /// </summary>
    /// <param name="posEmbed">Embeddings shaped <c>[1, numPrefixTokens + g*g, D]</c>.</param>
    /// <param name="newGridSize">The new grid side.</param>
    /// <param name="numPrefixTokens">Leading tokens copied unchanged (1 for a class token, else 0).</param>
    /// <param name="antialias">Passed to the interpolation; timm uses <see langword="true"/> when loading checkpoints.</param>
    /// <returns>A new tensor shaped <c>[1, numPrefixTokens + newGridSize², D]</c>, in the input's dtype and device.</returns>
    /// <exception cref="ArgumentException">The input is not a square grid of embeddings after its prefix.</exception>
    public static Tensor Resample(Tensor posEmbed, int newGridSize, int numPrefixTokens, bool antialias = true)
    {
        ArgumentNullException.ThrowIfNull(posEmbed);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newGridSize);
        ArgumentOutOfRangeException.ThrowIfNegative(numPrefixTokens);
        int oldGridSize = GridSizeOf(posEmbed, numPrefixTokens)
            ?? throw new ArgumentException(
                $"Expected position embeddings shaped [1, {numPrefixTokens} + g*g, D], got [{string.Join(", ", posEmbed.shape)}].", nameof(posEmbed));

        using var noGrad = torch.no_grad();
        return ResampleGrid(posEmbed, (oldGridSize, oldGridSize), (newGridSize, newGridSize), numPrefixTokens, antialias);
    }

    /// <summary>
    /// Resizes a grid of position embeddings to another, possibly non-square, grid as timm's
    /// <c>resample_abs_pos_embed</c> (bicubic in fp32, a = -0.5 kernel, prefix tokens copied); differentiable, so a
    /// model with a dynamic input size can resample its learned embedding in each forward.
    /// </summary>
    /// <param name="posEmbed">Embeddings shaped <c>[1, numPrefixTokens + rows*columns, D]</c>.</param>
    /// <param name="oldGrid">The grid the embeddings describe.</param>
    /// <param name="newGrid">The grid to resample to.</param>
    /// <param name="numPrefixTokens">Leading tokens copied unchanged.</param>
    /// <param name="antialias">Antialiased interpolation (timm's default).</param>
    /// <returns>A new tensor shaped <c>[1, numPrefixTokens + newRows*newColumns, D]</c> in the input's dtype.</returns>
    internal static Tensor ResampleGrid(Tensor posEmbed, (int Rows, int Columns) oldGrid, (int Rows, int Columns) newGrid, int numPrefixTokens, bool antialias = true)
    {
        long dim = posEmbed.shape[2];

        // [1, h*w, D] -> [1, D, h, w] (float32: interpolate's bicubic kernels need a float type) -> resize -> back.
        using var grid = posEmbed.narrow(1, numPrefixTokens, posEmbed.shape[1] - numPrefixTokens);
        using var wide = grid.to(ScalarType.Float32);
        using var square = wide.reshape(1, oldGrid.Rows, oldGrid.Columns, dim);
        using var image = square.permute(0, 3, 1, 2);

        // align_corners stated: left null, libtorch warns on every bicubic call (false is its default and timm's).
        using var resized = nn.functional.interpolate(image, [newGrid.Rows, newGrid.Columns], mode: InterpolationMode.Bicubic, align_corners: false, antialias: antialias);
        using var channelsLast = resized.permute(0, 2, 3, 1);
        using var flat = channelsLast.reshape(1, (long)newGrid.Rows * newGrid.Columns, dim);
        using var tokens = flat.to(posEmbed.dtype);
        if (numPrefixTokens == 0)
        {
            return tokens.alias();
        }

        using var prefix = posEmbed.narrow(1, 0, numPrefixTokens);
        return torch.cat([prefix, tokens], 1);
    }

    /// <summary>The grid side of <paramref name="posEmbed"/>, or null when it is not <c>[1, prefix + g*g, D]</c>.</summary>
    internal static int? GridSizeOf(Tensor posEmbed, int numPrefixTokens)
    {
        if (posEmbed.dim() != 3 || posEmbed.shape[0] != 1 || posEmbed.shape[2] < 1)
        {
            return null;
        }

        long gridTokens = posEmbed.shape[1] - numPrefixTokens;
        long side = (long)Math.Round(Math.Sqrt(gridTokens));
        return gridTokens > 0 && side * side == gridTokens ? (int)side : null;
    }
}
