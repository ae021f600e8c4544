using Microsoft.Extensions.Options;
using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Hide-and-Seek (Singh and Lee, "Hide-and-Seek: Forcing a Network to be Meticulous for Weakly-supervised Object
/// and Action Localization", ICCV 2017): for each image independently, choose a cell size S from
/// <see cref="HideAndSeekOptions.GridSizes"/>, split the image into S x S cells (cells on the right and bottom edges
/// are clipped), hide each cell independently with probability <see cref="HideAndSeekOptions.HideProbability"/>, and
/// write <see cref="HideAndSeekOptions.FillValue"/> into the hidden pixels. Training-time only: evaluate on whole
/// images.
/// </summary>
/// <remarks>
/// Each image draws its cell size and its cell decisions (ceil(H/S) x ceil(W/S)) from its own stream on the host;
/// the decisions are expanded to pixels with two index_select calls per cell size and the output is one <c>where</c>. No per-pixel or per-image
/// loop, any device, [C, H, W] or [B, C, H, W], any dtype; the input is never modified.
/// </remarks>
public sealed class HideAndSeek : RandomBatchTransform
{
    private static readonly int[] PaperGridSizes = [0, 16, 32, 44, 56];
    private const int PaperImageSize = 224;

    private readonly int[]? _gridSizes;
    private readonly float[] _fill;

    /// <summary>Creates the transform.</summary>
    /// <param name="options">Options; <see langword="null"/> for the paper's defaults.</param>
    /// <exception cref="OptionsValidationException">
    /// HideProbability is outside [0, 1], GridSizes is empty or holds a negative size, or FillValue is empty or not finite.
    /// </exception>
    public HideAndSeek(HideAndSeekOptions? options = null)
        : base(options?.Seed)
    {
        options ??= new HideAndSeekOptions();
        new OptionsValidator<HideAndSeekOptions>().ThrowIfInvalid(options);

        HideProbability = options.HideProbability;
        _gridSizes = options.GridSizes?.ToArray();
        _fill = options.FillValue?.ToArray() ?? [0f];
    }

    /// <summary>Gets the probability that a cell is hidden.</summary>
    public double HideProbability { get; }

    /// <summary>Gets the fill value per channel (one value means every channel).</summary>
    public IReadOnlyList<float> FillValue => _fill;

    /// <summary>The paper's {0, 16, 32, 44, 56} at 224 px, scaled by the shorter side (see <see cref="HideAndSeekOptions.GridSizes"/>).</summary>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <returns>Five cell sizes, the first 0.</returns>
    public static int[] DefaultGridSizes(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        int shorter = Math.Min(height, width);
        return [.. PaperGridSizes.Select(s => s == 0
            ? 0
            : Math.Max(1, (int)Math.Round((double)s * shorter / PaperImageSize, MidpointRounding.AwayFromZero)))];
    }

    /// <summary>Gets the cell sizes used for images of the given size.</summary>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <returns>The configured sizes, or <see cref="DefaultGridSizes"/>.</returns>
    public IReadOnlyList<int> GetGridSizes(int height, int width) => _gridSizes ?? DefaultGridSizes(height, width);

    /// <inheritdoc/>
    protected override Tensor ApplyToBatch(Tensor images, SampleStreams streams)
    {
        long batch = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        if (_fill.Length != 1 && _fill.Length != channels)
        {
            throw new ArgumentException($"FillValue has {_fill.Length} values but the images have {channels} channels.", nameof(images));
        }

        var sizes = GetGridSizes((int)height, (int)width);

        // Each image draws from its own stream: its cell size, then one decision per cell of that size (row-major).
        var cellsBySize = new bool[sizes.Count][];
        for (int b = 0; b < batch; b++)
        {
            var random = streams.ForSample(b);
            int k = random.NextInt(sizes.Count);
            int size = sizes[k];
            if (size == 0)
            {
                continue;
            }

            long rows = (height + size - 1) / size, cols = (width + size - 1) / size;
            bool[] cells = cellsBySize[k] ??= new bool[batch * rows * cols];
            long offset = b * rows * cols;
            for (long c = 0; c < rows * cols; c++)
            {
                cells[offset + c] = random.NextBoolean(HideProbability);
            }
        }

        // Explicit Scalars, disposed after use: TorchSharp's implicit ones can be freed by another thread's GC mid-call.
        using var rowCount = height.ToScalar();
        using var colCount = width.ToScalar();
        Tensor hidden = zeros([batch, height, width], ScalarType.Bool, images.device);
        for (int k = 0; k < sizes.Count; k++)
        {
            if (cellsBySize[k] is not { } decisions)
            {
                continue;
            }

            int size = sizes[k];
            long rows = (height + size - 1) / size, cols = (width + size - 1) / size;
            using var cellSize = size.ToScalar();
            Tensor cells = tensor(decisions, [batch, rows, cols]).to(images.device);
            Tensor rowCell = arange(rowCount, ScalarType.Int64, images.device).div(cellSize, rounding_mode: RoundingMode.floor);
            Tensor colCell = arange(colCount, ScalarType.Int64, images.device).div(cellSize, rounding_mode: RoundingMode.floor);
            hidden = hidden.logical_or(cells.index_select(1, rowCell).index_select(2, colCell));
        }

        Tensor fill = tensor(_fill).to(images.dtype, images.device).view(1, -1, 1, 1);
        return where(hidden.unsqueeze(1), fill, images);
    }
}
