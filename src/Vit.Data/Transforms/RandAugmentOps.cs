using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// RandAugment's operations on float batches [n, C, H, W] in [0, 1], one argument per image, as whole-tensor
/// operations. Each follows the PIL function timm calls; levels are 8-bit where PIL's definition is (Posterize,
/// Solarize thresholds, Equalize), otherwise the arithmetic stays in floating point (no rounding between operations).
/// </summary>
internal static class RandAugmentOps
{
    private static readonly float[] Luma = [0.299f, 0.587f, 0.114f]; // ITU-R 601-2, PIL's convert("L")

    // The ops' constants as Scalars that live for the process: never finalized (an implicit Scalar can be freed by
    // another thread's GC while libtorch reads it), only read, so every worker thread may pass them at once. The C#
    // types are those of the numbers they replace (double, int, float), so results are unchanged.
    private static readonly Scalar Zero = 0.0.ToScalar();
    private static readonly Scalar One = 1.0.ToScalar();
    private static readonly Scalar MinusOne = (-1.0).ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();
    private static readonly Scalar LevelMax = 255.0.ToScalar();
    private static readonly Scalar NoCount = 0.ToScalar();
    private static readonly Scalar SingleCount = 1.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();
    private static readonly Scalar TopLevel = 255.ToScalar();
    private static readonly Scalar LevelCount = 256.ToScalar();
    private static readonly Scalar SolarizeAddBelow = 128.ToScalar();
    private static readonly Scalar SmoothWeightSum = 13f.ToScalar();

    /// <summary>Applies <paramref name="op"/> with image i's argument <paramref name="arguments"/>[i].</summary>
    public static Tensor Apply(RandAugmentOp op, Tensor x, double[] arguments, Tensor fill)
    {
        // H / W turns a shear of pixel coordinates into one of normalised coordinates (read once, not per image).
        double ratio = (double)x.shape[2] / x.shape[3];
        return op switch
        {
            RandAugmentOp.AutoContrast => AutoContrast(x),
            RandAugmentOp.Equalize => Equalize(x),
            RandAugmentOp.Invert => x.neg().add_(One, ScalarConstants.One),
            RandAugmentOp.Rotate => Warp(x, fill, arguments.Select(degrees => Rotation(degrees, ratio)).ToArray()),
            RandAugmentOp.Posterize => Posterize(x, arguments),
            RandAugmentOp.Solarize => where(Levels(x).ge(Column(arguments, x)), x.neg().add_(One, ScalarConstants.One), x),
            RandAugmentOp.SolarizeAdd => where(Levels(x).lt(SolarizeAddBelow), x.add(Column(arguments, x).div_(LevelMax), ScalarConstants.One).clamp_max_(One), x),
            RandAugmentOp.Color => Blend(Gray(x), x, arguments),
            RandAugmentOp.Contrast => Blend(MeanGray(x), x, arguments),
            RandAugmentOp.Brightness => x.mul(Column(arguments, x)).clamp_(Zero, One),
            RandAugmentOp.Sharpness => Blend(Smooth(x), x, arguments),
            RandAugmentOp.ShearX => Warp(x, fill, arguments.Select(s => Affine(1, s * ratio, s * ratio, 0, 1, 0)).ToArray()),
            RandAugmentOp.ShearY => Warp(x, fill, arguments.Select(s => Affine(1, 0, 0, s / ratio, 1, s / ratio)).ToArray()),
            RandAugmentOp.TranslateXRel => Warp(x, fill, arguments.Select(f => Affine(1, 0, 2 * f, 0, 1, 0)).ToArray()),
            RandAugmentOp.TranslateYRel => Warp(x, fill, arguments.Select(f => Affine(1, 0, 0, 0, 1, 2 * f)).ToArray()),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown RandAugment operation."),
        };
    }

    /// <summary>Image i's value as [n, 1, 1, 1] in the images' dtype and device.</summary>
    private static Tensor Column(double[] values, Tensor like) => tensor(values).to(like.dtype, like.device).view(-1, 1, 1, 1);

    /// <summary>The 8-bit level of each value, round(255 x) clamped to [0, 255].</summary>
    private static Tensor Levels(Tensor x) => x.mul(LevelMax).round_().clamp_(Zero, LevelMax);

    /// <summary>PIL's <c>Image.blend(degenerate, image, factor)</c>: degenerate + f (image − degenerate), clipped.</summary>
    private static Tensor Blend(Tensor degenerate, Tensor x, double[] factors) =>
        x.sub(degenerate).mul_(Column(factors, x)).add_(degenerate, ScalarConstants.One).clamp_(Zero, One);

    /// <summary>Luma [n, 1, H, W] for RGB, the image itself for one channel, the channel mean otherwise.</summary>
    private static Tensor Gray(Tensor x)
    {
        long channels = x.shape[1];
        if (channels == 3)
        {
            return x.mul(tensor(Luma).to(x.dtype, x.device).view(1, 3, 1, 1)).sum(1, keepdim: true);
        }

        return channels == 1 ? x : x.mean([1], keepdim: true);
    }

    /// <summary>PIL's Contrast degenerate: the mean gray level, rounded to an 8-bit level.</summary>
    private static Tensor MeanGray(Tensor x) =>
        Gray(x).mean([1, 2, 3], keepdim: true).mul_(LevelMax).add_(Half, ScalarConstants.One).floor_().div_(LevelMax);

    private static Tensor AutoContrast(Tensor x)
    {
        Tensor low = x.amin([2, 3], keepdim: true);
        Tensor high = x.amax([2, 3], keepdim: true);
        Tensor spread = high.sub(low);
        Tensor flat = spread.le(NoCount);
        return where(flat, x, x.sub(low).div_(where(flat, ones_like(spread), spread))).clamp_(Zero, One);
    }

    private static Tensor Posterize(Tensor x, double[] bits)
    {
        // Keeping b bits of 8 is flooring the level to a multiple of 2^(8 − b); 8 or more bits keeps the image.
        double[] step = [.. bits.Select(b => Math.Pow(2, 8 - Math.Clamp(b, 0, 8)))];
        Tensor steps = Column(step, x);
        Tensor posterized = Levels(x).div_(steps).floor_().mul_(steps).div_(LevelMax);
        return where(steps.le(One), x, posterized);
    }

    /// <summary>
    /// PIL's <c>ImageOps.equalize</c> per image and channel: step = (pixels − count of the top level) // 255,
    /// level ℓ → (step // 2 + pixels below ℓ) // step; a channel with one level, or step 0, is kept.
    /// </summary>
    private static Tensor Equalize(Tensor x)
    {
        long n = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
        using var pixels = (height * width).ToScalar();
        Tensor levels = Levels(x).to(ScalarType.Int64).view(n * channels, height * width);
        Tensor histogram = zeros([n * channels, 256], ScalarType.Int64, x.device).scatter_add_(1, levels, ones_like(levels));
        Tensor top = histogram.gt(NoCount).to(ScalarType.Int64).mul(arange(LevelCount, ScalarType.Int64, x.device)).amax([1], keepdim: true);
        Tensor topCount = histogram.gather(1, top);
        Tensor step = topCount.neg().add_(pixels, ScalarConstants.One).div(TopLevel, rounding_mode: RoundingMode.floor);
        Tensor below = histogram.cumsum(1).sub_(histogram);
        Tensor safeStep = step.clamp_min(SingleCount);
        Tensor lut = below.add(safeStep.div(Two, rounding_mode: RoundingMode.floor), ScalarConstants.One).div_(safeStep, rounding_mode: RoundingMode.floor).clamp_max_(TopLevel);
        Tensor equalized = lut.gather(1, levels).to(x.dtype).div_(LevelMax).view(n, channels, height, width);
        Tensor keep = step.le(NoCount).logical_or_(histogram.gt(NoCount).sum([1], keepdim: true).le(SingleCount)).view(n, channels, 1, 1);
        return where(keep, x, equalized);
    }

    /// <summary>PIL's SMOOTH filter ([[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13) inside the image; the border keeps its pixels.</summary>
    private static Tensor Smooth(Tensor x)
    {
        long n = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
        if (height < 3 || width < 3)
        {
            return x;
        }

        Tensor kernel = tensor(new float[] { 1, 1, 1, 1, 5, 1, 1, 1, 1 }, [1, 1, 3, 3]).div_(SmoothWeightSum).to(x.dtype, x.device);
        Tensor inner = nn.functional.conv2d(x.reshape(n * channels, 1, height, width), kernel).view(n, channels, height - 2, width - 2);
        Tensor padded = nn.functional.pad(inner, [1, 1, 1, 1]);
        Tensor interior = nn.functional.pad(ones([1, 1, height - 2, width - 2], ScalarType.Bool, x.device), [1, 1, 1, 1]);
        return where(interior, padded, x);
    }

    /// <summary>
    /// A PIL affine matrix (a, b, c, d, e, f) mapping output to input pixel coordinates, restated in normalised
    /// coordinates ([-1, 1], pixel corners) for <c>affine_grid</c>; translations here are already normalised.
    /// </summary>
    private static double[] Affine(double a, double b, double c, double d, double e, double f) => [a, b, c, d, e, f];

    /// <summary>PIL's <c>rotate(degrees)</c> (counter-clockwise about the centre) in normalised coordinates.</summary>
    private static double[] Rotation(double degrees, double ratio)
    {
        double angle = -degrees * Math.PI / 180.0;
        return [Math.Cos(angle), Math.Sin(angle) * ratio, 0, -Math.Sin(angle) / ratio, Math.Cos(angle), 0];
    }

    /// <summary>
    /// Samples each image at its affine map like PIL's bilinear <c>transform</c>: an output pixel whose source point
    /// falls outside the image gets <paramref name="fill"/>; inside, the four neighbours are clamped to the edge.
    /// </summary>
    private static Tensor Warp(Tensor x, Tensor fill, double[][] matrices)
    {
        // The sampling grid by broadcasting (six multiply-adds per pixel): affine_grid took 1–10 ms of a warp of
        // 128x1x28x28 in probes on the busy machine, the whole broadcast grid about 1 ms.
        long n = x.shape[0], height = x.shape[2], width = x.shape[3];
        Tensor Coefficient(int k) => tensor(matrices.Select(m => m[k]).ToArray()).to(x.dtype, x.device).view(n, 1, 1);
        using var columnCount = width.ToScalar();
        using var columnStep = (2.0 / width).ToScalar();
        using var columnOffset = ((1.0 / width) - 1.0).ToScalar();
        using var rowCount = height.ToScalar();
        using var rowStep = (2.0 / height).ToScalar();
        using var rowOffset = ((1.0 / height) - 1.0).ToScalar();
        Tensor xs = arange(columnCount, x.dtype, x.device).mul_(columnStep).add_(columnOffset, ScalarConstants.One).view(1, 1, width);
        Tensor ys = arange(rowCount, x.dtype, x.device).mul_(rowStep).add_(rowOffset, ScalarConstants.One).view(1, height, 1);
        Tensor gx = xs.mul(Coefficient(0)).add(ys.mul(Coefficient(1)), ScalarConstants.One).add_(Coefficient(2), ScalarConstants.One);
        Tensor gy = xs.mul(Coefficient(3)).add(ys.mul(Coefficient(4)), ScalarConstants.One).add_(Coefficient(5), ScalarConstants.One);
        Tensor inside = gx.ge(MinusOne).logical_and_(gx.lt(One)).logical_and_(gy.ge(MinusOne)).logical_and_(gy.lt(One)).unsqueeze(1);
        Tensor grid = stack([gx, gy], 3);
        Tensor sampled = nn.functional.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        return where(inside, sampled, fill);
    }
}
