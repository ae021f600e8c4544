using System.Globalization;
using SkiaSharp;
using Vit.Samples;
using Vit.Samples.FashionMnist.Charts;

namespace Vit.Benchmarks.Measurement;

/// <summary>The soak's PNG: resident memory against updates, and open file descriptors and threads against updates.</summary>
internal static class SoakChart
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4);
    private static readonly SKColor Orange = new(0xFF, 0x7F, 0x0E);
    private static readonly SKColor Green = new(0x2C, 0xA0, 0x2C);

    public static void Write(string path, IReadOnlyList<SoakSample> samples, int warmup, double slope)
    {
        const int Width = 1200, Height = 480, Top = 40;
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using (var heading = ChartFonts.Text(20, new SKColor(0x22, 0x22, 0x22), SKTextAlign.Center))
        {
            canvas.DrawText(
                string.Create(CultureInfo.InvariantCulture, $"Trainer soak, fashion_small shape: {samples[^1].Update:N0} updates; after update {warmup}: {slope:+0.00;-0.00} MB per 100 updates"),
                Width / 2f,
                28,
                heading);
        }

        var panels = new[]
        {
            new LinePanel
            {
                Title = "Resident memory (MB)",
                XLabel = "update",
                XMin = 0,
                YMin = 0,
                YFormat = "0",
                Series = [new("VmRSS", Blue, [.. samples.Select(s => ((double)s.Update, s.RssMb))])],
            },
            new LinePanel
            {
                Title = "Open file descriptors and threads",
                XLabel = "update",
                XMin = 0,
                YMin = 0,
                YFormat = "0",
                Series =
                [
                    new("file descriptors", Orange, [.. samples.Select(s => ((double)s.Update, (double)s.FileDescriptors))]),
                    new("threads", Green, [.. samples.Select(s => ((double)s.Update, (double)s.Threads))]),
                ],
            },
        };
        float panelWidth = Width / (float)panels.Length;
        for (int i = 0; i < panels.Length; i++)
        {
            panels[i].Draw(canvas, new SKRect(i * panelWidth, Top, (i + 1) * panelWidth, Height));
        }

        PngFile.Save(surface, path);
    }
}
