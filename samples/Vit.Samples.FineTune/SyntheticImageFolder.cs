using SkiaSharp;

namespace Vit.Samples.FineTune;

/// <summary>
/// Writes a synthetic fine-tuning folder: five classes of shapes (circle, square, triangle, stripes, ring) in random
/// colours on random backgrounds, 48-128 px a side (not square), PNG and JPEG alternately, 80 % under train/ and 20 %
/// under val/. The shape, not the colour, tells the class; the same seed writes the same files.
/// </summary>
internal static class SyntheticImageFolder
{
    /// <summary>The class folder names, in label order.</summary>
    public static readonly IReadOnlyList<string> Classes = ["circle", "ring", "square", "stripes", "triangle"];

    /// <summary>Writes the folder and returns exit code 0.</summary>
    /// <param name="root">The folder to create (train/ and val/ inside).</param>
    /// <param name="perClass">Images per class.</param>
    /// <param name="seed">The generator's seed.</param>
    /// <param name="log">Receives one summary line.</param>
    public static int Write(string root, int perClass, int seed, TextWriter log)
    {
        var random = new Random(seed);
        int validationPerClass = Math.Max(1, perClass / 5);
        for (int c = 0; c < Classes.Count; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                string split = i < validationPerClass ? "val" : "train";
                string folder = Path.Combine(root, split, Classes[c]);
                Directory.CreateDirectory(folder);
                bool jpeg = i % 2 == 1;
                using var bitmap = Draw(Classes[c], random);
                using var data = bitmap.Encode(jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, 92);
                using var file = File.Create(Path.Combine(folder, $"{Classes[c]}-{i:D4}.{(jpeg ? "jpg" : "png")}"));
                data.SaveTo(file);
            }
        }

        log.WriteLine($"Wrote {Classes.Count * perClass} images ({Classes.Count} classes; {Classes.Count * validationPerClass} in val/) to {root}");
        return 0;
    }

    private static SKBitmap Draw(string shape, Random random)
    {
        int width = random.Next(48, 129), height = random.Next(48, 129);
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        var background = RandomColor(random);
        canvas.Clear(background);
        var foreground = RandomColor(random);
        while (Distance(foreground, background) < 180)
        {
            foreground = RandomColor(random);
        }

        using var paint = new SKPaint { Color = foreground, IsAntialias = true, Style = SKPaintStyle.Fill };
        float side = Math.Min(width, height);
        float radius = side * (0.25f + (0.15f * random.NextSingle()));
        float cx = (width / 2f) + ((random.NextSingle() - 0.5f) * (width - (2 * radius)) * 0.8f);
        float cy = (height / 2f) + ((random.NextSingle() - 0.5f) * (height - (2 * radius)) * 0.8f);
        switch (shape)
        {
            case "circle":
                canvas.DrawCircle(cx, cy, radius, paint);
                break;
            case "ring":
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = radius * 0.35f;
                canvas.DrawCircle(cx, cy, radius * 0.8f, paint);
                break;
            case "square":
                canvas.Save();
                canvas.RotateDegrees(random.NextSingle() * 30 - 15, cx, cy);
                canvas.DrawRect(cx - radius * 0.85f, cy - radius * 0.85f, radius * 1.7f, radius * 1.7f, paint);
                canvas.Restore();
                break;
            case "stripes":
                float stripe = Math.Max(3, side / random.Next(6, 11));
                for (float x = random.NextSingle() * stripe; x < width; x += 2 * stripe)
                {
                    canvas.DrawRect(x, 0, stripe, height, paint);
                }

                break;
            default:
                using (var path = new SKPath())
                {
                    path.MoveTo(cx, cy - radius);
                    path.LineTo(cx + (radius * 0.95f), cy + (radius * 0.8f));
                    path.LineTo(cx - (radius * 0.95f), cy + (radius * 0.8f));
                    path.Close();
                    canvas.DrawPath(path, paint);
                }

                break;
        }

        return bitmap;
    }

    private static SKColor RandomColor(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));

    private static double Distance(SKColor a, SKColor b) =>
        Math.Sqrt(Math.Pow(a.Red - b.Red, 2) + Math.Pow(a.Green - b.Green, 2) + Math.Pow(a.Blue - b.Blue, 2));
}
