using System.Globalization;
using SkiaSharp;

namespace Vit.Samples.Similarity;

/// <summary>A PNG with the query and its nearest images in a row, each captioned with its name and cosine similarity.</summary>
internal static class ContactSheet
{
    public const int Cell = 128;
    private const int Caption = 36;

    public static void Write(string path, byte[] query, string queryName, IReadOnlyList<(byte[] Image, string Name, float Similarity)> nearest)
    {
        int width = Cell * (nearest.Count + 1), height = Cell + Caption;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = ChartFonts.Text(11, SKColors.Black, SKTextAlign.Center);
        Draw(canvas, 0, query, queryName, "query", text);
        for (int i = 0; i < nearest.Count; i++)
        {
            Draw(canvas, i + 1, nearest[i].Image, nearest[i].Name, string.Create(CultureInfo.InvariantCulture, $"{i + 1}. cos {nearest[i].Similarity:F3}"), text);
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        string temporary = $"{Path.GetFullPath(path)}.{Guid.NewGuid():N}.tmp";
        using (var file = File.Create(temporary))
        {
            png.SaveTo(file);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void Draw(SKCanvas canvas, int column, byte[] encoded, string name, string caption, SKPaint text)
    {
        using var bitmap = SKBitmap.Decode(encoded);
        float x = column * Cell;
        if (bitmap is not null)
        {
            // Fit inside the cell with a 4 px margin, aspect kept, pixels enlarged without blurring (small images stay legible).
            float scale = Math.Min((Cell - 8f) / bitmap.Width, (Cell - 8f) / bitmap.Height);
            float w = bitmap.Width * scale, h = bitmap.Height * scale;
            using var paint = new SKPaint { FilterQuality = SKFilterQuality.None };
            canvas.DrawBitmap(bitmap, SKRect.Create(x + ((Cell - w) / 2), (Cell - h) / 2, w, h), paint);
        }

        string shown = name.Length > 20 ? "…" + name[^19..] : name;
        canvas.DrawText(shown, x + (Cell / 2f), Cell + 13, text);
        canvas.DrawText(caption, x + (Cell / 2f), Cell + 28, text);
    }
}
