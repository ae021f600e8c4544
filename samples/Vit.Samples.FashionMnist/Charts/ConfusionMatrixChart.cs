using System.Globalization;
using SkiaSharp;

namespace Vit.Samples.FashionMnist.Charts;

/// <summary>
/// The confusion-matrix PNG: rows are true classes, columns predictions; each cell shows its count and is shaded by
/// the fraction of its row (so the diagonal is per-class recall).
/// </summary>
internal static class ConfusionMatrixChart
{
    /// <summary>Draws the chart and saves it as a PNG.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="matrix">The counts.</param>
    /// <param name="title">The heading.</param>
    public static void Write(string path, ConfusionMatrix matrix, string title)
    {
        int n = matrix.ClassNames.Count;
        const float Cell = 62, Left = 150, Top = 60, Right = 30, Bottom = 112;
        int width = (int)(Left + (n * Cell) + Right), height = (int)(Top + (n * Cell) + Bottom);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        var ink = new SKColor(0x22, 0x22, 0x22);
        using var heading = ChartFonts.Text(18, ink, SKTextAlign.Center);
        canvas.DrawText(title, width / 2f, 30, heading);

        using var countText = ChartFonts.Text(14, ink, SKTextAlign.Center);
        using var recallText = ChartFonts.Text(10, ink, SKTextAlign.Center);
        using var cellPaint = new SKPaint { Style = SKPaintStyle.Fill };
        using var gridPaint = new SKPaint { Color = new SKColor(0xDD, 0xDD, 0xDD), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        for (int t = 0; t < n; t++)
        {
            long rowTotal = Enumerable.Range(0, n).Sum(p => matrix.Counts[t, p]);
            for (int p = 0; p < n; p++)
            {
                double fraction = rowTotal == 0 ? 0 : (double)matrix.Counts[t, p] / rowTotal;
                var cell = SKRect.Create(Left + (p * Cell), Top + (t * Cell), Cell, Cell);
                cellPaint.Color = Shade(fraction);
                canvas.DrawRect(cell, cellPaint);
                canvas.DrawRect(cell, gridPaint);
                var textColor = fraction > 0.55 ? SKColors.White : ink;
                countText.Color = textColor;
                recallText.Color = textColor;
                if (matrix.Counts[t, p] > 0)
                {
                    canvas.DrawText(matrix.Counts[t, p].ToString(CultureInfo.InvariantCulture), cell.MidX, cell.MidY + 2, countText);
                    canvas.DrawText(fraction.ToString("0%", CultureInfo.InvariantCulture), cell.MidX, cell.MidY + 18, recallText);
                }
            }
        }

        using var labels = ChartFonts.Text(13, ink, SKTextAlign.Right);
        for (int i = 0; i < n; i++)
        {
            canvas.DrawText(matrix.ClassNames[i], Left - 8, Top + (i * Cell) + (Cell / 2) + 5, labels);
            canvas.Save();
            canvas.Translate(Left + (i * Cell) + (Cell / 2) + 5, Top + (n * Cell) + 8);
            canvas.RotateDegrees(-50);
            canvas.DrawText(matrix.ClassNames[i], 0, 0, labels);
            canvas.Restore();
        }

        using var axis = ChartFonts.Text(15, ink, SKTextAlign.Center);
        canvas.DrawText("predicted class", Left + (n * Cell / 2), height - 10, axis);
        canvas.Save();
        canvas.Translate(18, Top + (n * Cell / 2));
        canvas.RotateDegrees(-90);
        canvas.DrawText("true class", 0, 0, axis);
        canvas.Restore();
        PngFile.Save(surface, path);
    }

    /// <summary>White at 0 to a deep blue at 1, with a square-root ramp so small confusions stay visible.</summary>
    private static SKColor Shade(double fraction)
    {
        double t = Math.Sqrt(Math.Clamp(fraction, 0, 1));
        static byte Mix(double a, double b, double t) => (byte)Math.Round(a + ((b - a) * t));
        return new SKColor(Mix(255, 8, t), Mix(255, 48, t), Mix(255, 107, t));
    }
}
