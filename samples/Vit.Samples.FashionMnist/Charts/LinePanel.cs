using System.Globalization;
using SkiaSharp;

namespace Vit.Samples.FashionMnist.Charts;

/// <summary>A line chart with axes, "nice" ticks, grid lines and a legend, drawn into a rectangle of a canvas.</summary>
internal sealed class LinePanel
{
    private static readonly SKColor Ink = new(0x33, 0x33, 0x33);
    private static readonly SKColor Grid = new(0xE3, 0xE3, 0xE3);

    public required string Title { get; init; }

    public required string XLabel { get; init; }

    public required IReadOnlyList<LineSeries> Series { get; init; }

    /// <summary>Gets the lower end of the x axis; <see langword="null"/> fits the data.</summary>
    public double? XMin { get; init; }

    /// <summary>Gets the lower end of the y axis; <see langword="null"/> fits the data.</summary>
    public double? YMin { get; init; }

    /// <summary>Gets the upper end of the y axis; <see langword="null"/> fits the data.</summary>
    public double? YMax { get; init; }

    /// <summary>Gets the format of y tick labels.</summary>
    public string YFormat { get; init; } = "G3";

    public void Draw(SKCanvas canvas, SKRect bounds)
    {
        var points = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        using var title = ChartFonts.Text(17, Ink, SKTextAlign.Center);
        canvas.DrawText(Title, bounds.MidX, bounds.Top + 20, title);
        var plot = new SKRect(bounds.Left + 62, bounds.Top + 34, bounds.Right - 14, bounds.Bottom - 46);
        if (points.Count == 0)
        {
            using var note = ChartFonts.Text(14, Ink, SKTextAlign.Center);
            canvas.DrawText("no data", plot.MidX, plot.MidY, note);
            return;
        }

        double xMin = XMin ?? points.Min(p => p.X), xMax = points.Max(p => p.X);
        double yMin = YMin ?? points.Min(p => p.Y), yMax = YMax ?? points.Max(p => p.Y);
        (xMin, xMax) = Widen(xMin, xMax);
        (yMin, yMax) = Widen(yMin, yMax);
        if (YMin is null || YMax is null)
        {
            double pad = (yMax - yMin) * 0.05;
            yMin = YMin ?? yMin - pad;
            yMax = YMax ?? yMax + pad;
        }

        float X(double x) => (float)(plot.Left + ((x - xMin) / (xMax - xMin) * plot.Width));
        float Y(double y) => (float)(plot.Bottom - ((y - yMin) / (yMax - yMin) * plot.Height));

        using var gridPaint = new SKPaint { Color = Grid, StrokeWidth = 1, IsAntialias = true };
        using var inkPaint = new SKPaint { Color = Ink, StrokeWidth = 1.2f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var tickText = ChartFonts.Text(12, Ink, SKTextAlign.Center);
        using var yTickText = ChartFonts.Text(12, Ink, SKTextAlign.Right);
        foreach (double t in Ticks(xMin, xMax, 6))
        {
            canvas.DrawLine(X(t), plot.Top, X(t), plot.Bottom, gridPaint);
            canvas.DrawText(Format(t, "G6"), X(t), plot.Bottom + 16, tickText);
        }

        foreach (double t in Ticks(yMin, yMax, 6))
        {
            canvas.DrawLine(plot.Left, Y(t), plot.Right, Y(t), gridPaint);
            canvas.DrawText(Format(t, YFormat), plot.Left - 6, Y(t) + 4, yTickText);
        }

        canvas.DrawRect(plot, inkPaint);
        using var axisLabel = ChartFonts.Text(13, Ink, SKTextAlign.Center);
        canvas.DrawText(XLabel, plot.MidX, plot.Bottom + 34, axisLabel);

        canvas.Save();
        canvas.ClipRect(plot);
        foreach (var series in Series)
        {
            DrawSeries(canvas, series, X, Y);
        }

        canvas.Restore();
        DrawLegend(canvas, plot, [.. points.Select(p => new SKPoint(X(p.X), Y(p.Y)))]);
    }

    private static void DrawSeries(SKCanvas canvas, LineSeries series, Func<double, float> x, Func<double, float> y)
    {
        var finite = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        using var line = new SKPaint { Color = series.Color, StrokeWidth = series.Width, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeJoin = SKStrokeJoin.Round };
        using var path = new SKPath();
        for (int i = 0; i < finite.Count; i++)
        {
            if (i == 0)
            {
                path.MoveTo(x(finite[i].X), y(finite[i].Y));
            }
            else
            {
                path.LineTo(x(finite[i].X), y(finite[i].Y));
            }
        }

        canvas.DrawPath(path, line);
        if (series.Markers)
        {
            using var dot = new SKPaint { Color = series.Color, IsAntialias = true, Style = SKPaintStyle.Fill };
            foreach (var p in finite)
            {
                canvas.DrawCircle(x(p.X), y(p.Y), 3.5f, dot);
            }
        }
    }

    /// <summary>Draws the legend in the corner of the plot that covers the fewest data points.</summary>
    private void DrawLegend(SKCanvas canvas, SKRect plot, SKPoint[] points)
    {
        using var text = ChartFonts.Text(12, Ink);
        float width = Series.Max(s => text.MeasureText(s.Name)) + 34, height = (18 * Series.Count) + 6;
        SKRect[] corners =
        [
            SKRect.Create(plot.Right - width - 8, plot.Top + 8, width, height),
            SKRect.Create(plot.Right - width - 8, plot.Bottom - height - 8, width, height),
            SKRect.Create(plot.Left + 8, plot.Top + 8, width, height),
            SKRect.Create(plot.Left + 8, plot.Bottom - height - 8, width, height),
        ];
        var box = corners.MinBy(c => points.Count(p => SKRect.Inflate(c, 6, 6).Contains(p)));
        using var background = new SKPaint { Color = SKColors.White.WithAlpha(220), Style = SKPaintStyle.Fill };
        using var border = new SKPaint { Color = Grid, Style = SKPaintStyle.Stroke };
        canvas.DrawRect(box, background);
        canvas.DrawRect(box, border);
        for (int i = 0; i < Series.Count; i++)
        {
            float rowY = box.Top + 15 + (18 * i);
            using var swatch = new SKPaint { Color = Series[i].Color, StrokeWidth = 3, IsAntialias = true };
            canvas.DrawLine(box.Left + 6, rowY - 4, box.Left + 24, rowY - 4, swatch);
            canvas.DrawText(Series[i].Name, box.Left + 30, rowY, text);
        }
    }

    /// <summary>Ticks at 1, 2 or 5 times a power of ten, about <paramref name="count"/> of them inside [min, max].</summary>
    private static IEnumerable<double> Ticks(double min, double max, int count)
    {
        double raw = (max - min) / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(min / step) * step; t <= max + (step * 1e-9); t += step)
        {
            yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
        }
    }

    private static (double Min, double Max) Widen(double min, double max) =>
        max > min ? (min, max) : (min - Math.Max(Math.Abs(min) * 0.1, 1e-9), max + Math.Max(Math.Abs(max) * 0.1, 1e-9));

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
