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

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long dim = posEmbed.shape[2];
        var prefix = posEmbed[.., ..numPrefixTokens];
        var grid = posEmbed[.., numPrefixTokens..];

        // [1, g*g, D] -> [1, D, g, g] (float32: interpolate's bicubic kernels need a float type) -> resize -> back.
        var image = grid.to(ScalarType.Float32).reshape(1, oldGridSize, oldGridSize, dim).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(image, [newGridSize, newGridSize], mode: InterpolationMode.Bicubic, antialias: antialias);
        var tokens = resized.permute(0, 2, 3, 1).reshape(1, (long)newGridSize * newGridSize, dim).to(posEmbed.dtype);
        return torch.cat([prefix, tokens], 1).MoveToOuterDisposeScope();
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
