namespace Vit.Imaging;

/// <summary>
/// Resizes 8-bit planes the way Pillow's <c>Image.resize</c> does (which timm's evaluation transform calls through
/// torchvision): separable convolution, the filter widened by the scale when shrinking (so it averages, no aliasing),
/// fixed-point weights with 22 fractional bits, horizontal pass first, each pass rounded and clamped to 0-255.
/// Matching Pillow's arithmetic makes the pixels equal to what the model saw in timm, not just similar.
/// </summary>
internal static class PillowResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes one plane.</summary>
    /// <param name="source">Row-major pixels, <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <param name="width">The source's width.</param>
    /// <param name="height">The source's height.</param>
    /// <param name="newWidth">The result's width.</param>
    /// <param name="newHeight">The result's height.</param>
    /// <param name="interpolation">bilinear, bicubic or nearest.</param>
    /// <returns>Row-major pixels, <paramref name="newWidth"/> x <paramref name="newHeight"/>.</returns>
    public static byte[] Resize(byte[] source, int width, int height, int newWidth, int newHeight, string interpolation)
    {
        if (width == newWidth && height == newHeight)
        {
            return (byte[])source.Clone();
        }

        if (interpolation == "nearest")
        {
            return Nearest(source, width, height, newWidth, newHeight);
        }

        (Func<double, double> filter, double support) = interpolation switch
        {
            "bilinear" => ((Func<double, double>)Triangle, 1.0),
            "bicubic" => (Cubic, 2.0),
            _ => throw new ArgumentException($"Unknown interpolation '{interpolation}'.", nameof(interpolation)),
        };

        byte[] current = source;
        int w = width;
        if (newWidth != width)
        {
            var (bounds, weights, taps) = Coefficients(width, newWidth, filter, support);
            var output = new byte[newWidth * height];
            for (int y = 0; y < height; y++)
            {
                int row = y * width;
                for (int x = 0; x < newWidth; x++)
                {
                    int first = bounds[2 * x], count = bounds[(2 * x) + 1];
                    long sum = 1L << (PrecisionBits - 1);
                    for (int k = 0; k < count; k++)
                    {
                        sum += current[row + first + k] * (long)weights[(x * taps) + k];
                    }

                    output[(y * newWidth) + x] = Clip(sum);
                }
            }

            current = output;
            w = newWidth;
        }

        if (newHeight != height)
        {
            var (bounds, weights, taps) = Coefficients(height, newHeight, filter, support);
            var output = new byte[w * newHeight];
            for (int y = 0; y < newHeight; y++)
            {
                int first = bounds[2 * y], count = bounds[(2 * y) + 1];
                for (int x = 0; x < w; x++)
                {
                    long sum = 1L << (PrecisionBits - 1);
                    for (int k = 0; k < count; k++)
                    {
                        sum += current[((first + k) * w) + x] * (long)weights[(y * taps) + k];
                    }

                    output[(y * w) + x] = Clip(sum);
                }
            }

            current = output;
        }

        return current;
    }

    private static byte Clip(long sum)
    {
        long value = sum >> PrecisionBits;
        return (byte)Math.Clamp(value, 0, 255);
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c>: per output pixel, the first input pixel, the tap count and fixed-point weights.</summary>
    private static (int[] Bounds, int[] Weights, int Taps) Coefficients(int inSize, int outSize, Func<double, double> filter, double support)
    {
        double scale = inSize / (double)outSize;
        double filterScale = Math.Max(scale, 1.0);
        double width = support * filterScale;
        int taps = ((int)Math.Ceiling(width) * 2) + 1;
        var bounds = new int[outSize * 2];
        var weights = new int[outSize * taps];
        var k = new double[taps];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double inverse = 1.0 / filterScale;
            int xmin = Math.Max((int)(center - width + 0.5), 0);
            int xmax = Math.Min((int)(center + width + 0.5), inSize) - xmin;
            double total = 0;
            for (int x = 0; x < xmax; x++)
            {
                double w = filter((x + xmin - center + 0.5) * inverse);
                k[x] = w;
                total += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                double normalised = total != 0 ? k[x] / total : k[x];
                weights[(xx * taps) + x] = normalised < 0
                    ? (int)(-0.5 + (normalised * (1 << PrecisionBits)))
                    : (int)(0.5 + (normalised * (1 << PrecisionBits)));
            }

            bounds[2 * xx] = xmin;
            bounds[(2 * xx) + 1] = xmax;
        }

        return (bounds, weights, taps);
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>Pillow's bicubic kernel, a = -0.5.</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        return x < 2.0 ? ((((x - 5) * x) + 8) * x - 4) * a : 0.0;
    }

    /// <summary>
    /// Pillow's nearest-neighbour resize (<c>ImagingScaleAffine</c>): the source pixel under each output pixel's centre,
    /// the position accumulated step by step in double precision as Pillow does (computing it directly can land on
    /// the other side of an integer and pick the neighbouring pixel).
    /// </summary>
    private static byte[] Nearest(byte[] source, int width, int height, int newWidth, int newHeight)
    {
        var output = new byte[newWidth * newHeight];
        double sx = width / (double)newWidth, sy = height / (double)newHeight;
        var columns = new int[newWidth];
        double xo = sx * 0.5;
        for (int x = 0; x < newWidth; x++, xo += sx)
        {
            columns[x] = Math.Min((int)xo, width - 1);
        }

        double yo = sy * 0.5;
        for (int y = 0; y < newHeight; y++, yo += sy)
        {
            int row = Math.Min((int)yo, height - 1) * width;
            for (int x = 0; x < newWidth; x++)
            {
                output[(y * newWidth) + x] = source[row + columns[x]];
            }
        }

        return output;
    }
}
