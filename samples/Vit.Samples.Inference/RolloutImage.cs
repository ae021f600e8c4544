using SkiaSharp;

namespace Vit.Samples.Inference;

/// <summary>
/// Draws an input next to its attention-rollout heatmap overlaid on it (bilinearly upsampled from the patch grid,
/// "inferno" colours, blended at 55 %), with the prediction as a caption.
/// </summary>
internal static class RolloutImage
{
    private const int Scale = 8;
    private const float Alpha = 0.55f;
    private static readonly (float At, SKColor Color)[] Inferno =
    [
        (0.00f, new SKColor(0, 0, 4)),
        (0.25f, new SKColor(87, 16, 110)),
        (0.50f, new SKColor(188, 55, 84)),
        (0.75f, new SKColor(249, 142, 9)),
        (1.00f, new SKColor(252, 255, 164)),
    ];

    /// <summary>Writes the PNG.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="image">The input as the data had it.</param>
    /// <param name="channels">Its channels (1 or 3).</param>
    /// <param name="size">Its side in pixels.</param>
    /// <param name="modelSize">The model's input side (the image is centred in it).</param>
    /// <param name="relevance">The rollout, [grid, grid] row-major, in [0, 1].</param>
    /// <param name="grid">The patch grid's side.</param>
    /// <param name="caption">One line above the pictures.</param>
    public static void Write(string path, InputImage image, int channels, int size, int modelSize, float[] relevance, int grid, string caption)
    {
        int side = size * Scale;
        const int Margin = 16, Header = 58;
        using var surface = SKSurface.Create(new SKImageInfo((2 * side) + (3 * Margin), side + Header + Margin));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        var ink = new SKColor(0x22, 0x22, 0x22);
        using (var text = ChartFonts.Text(15, ink))
        {
            canvas.DrawText(caption, Margin, 22, text);
        }

        using var label = ChartFonts.Text(12, new SKColor(0x55, 0x55, 0x55));
        canvas.DrawText("input", Margin, Header - 8, label);
        canvas.DrawText("rollout (bright = relevant)", (2 * Margin) + side, Header - 8, label);

        using var input = new SKBitmap(side, side);
        using var overlay = new SKBitmap(side, side);
        int pad = (modelSize - size) / 2;
        float cell = modelSize / (float)grid;
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var pixel = Pixel(image.Pixels, channels, size, x / Scale, y / Scale);
                input.SetPixel(x, y, pixel);
                // Centre of this display pixel in model-input coordinates, then in patch-grid coordinates.
                float u = ((x + 0.5f) / Scale) + pad, v = ((y + 0.5f) / Scale) + pad;
                float heat = Bilinear(relevance, grid, (u / cell) - 0.5f, (v / cell) - 0.5f);
                overlay.SetPixel(x, y, Blend(pixel, Colour(heat)));
            }
        }

        canvas.DrawBitmap(input, Margin, Header);
        canvas.DrawBitmap(overlay, (2 * Margin) + side, Header);
        PngFile.Save(surface, path);
    }

    private static SKColor Pixel(byte[] pixels, int channels, int size, int x, int y)
    {
        int plane = size * size, at = (y * size) + x;
        return channels == 1
            ? new SKColor(pixels[at], pixels[at], pixels[at])
            : new SKColor(pixels[at], pixels[plane + at], pixels[(2 * plane) + at]);
    }

    private static float Bilinear(float[] values, int grid, float gx, float gy)
    {
        gx = Math.Clamp(gx, 0, grid - 1);
        gy = Math.Clamp(gy, 0, grid - 1);
        int x0 = (int)gx, y0 = (int)gy, x1 = Math.Min(x0 + 1, grid - 1), y1 = Math.Min(y0 + 1, grid - 1);
        float fx = gx - x0, fy = gy - y0;
        float top = (values[(y0 * grid) + x0] * (1 - fx)) + (values[(y0 * grid) + x1] * fx);
        float bottom = (values[(y1 * grid) + x0] * (1 - fx)) + (values[(y1 * grid) + x1] * fx);
        return (top * (1 - fy)) + (bottom * fy);
    }

    private static SKColor Colour(float t)
    {
        t = Math.Clamp(t, 0, 1);
        for (int i = 1; i < Inferno.Length; i++)
        {
            if (t <= Inferno[i].At)
            {
                var (a, ca) = Inferno[i - 1];
                var (b, cb) = Inferno[i];
                float f = (t - a) / (b - a);
                return new SKColor(Mix(ca.Red, cb.Red, f), Mix(ca.Green, cb.Green, f), Mix(ca.Blue, cb.Blue, f));
            }
        }

        return Inferno[^1].Color;
    }

    private static SKColor Blend(SKColor under, SKColor over) =>
        new(Mix(under.Red, over.Red, Alpha), Mix(under.Green, over.Green, Alpha), Mix(under.Blue, over.Blue, Alpha));

    private static byte Mix(byte a, byte b, float f) => (byte)Math.Round(a + ((b - a) * f));
}
