using SkiaSharp;

namespace Vit.Samples.FashionMnist.Charts;

/// <summary>The training-curves PNG: loss (training and held-out), held-out accuracy, and the learning rate, against updates.</summary>
internal static class TrainingCurves
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4);
    private static readonly SKColor Orange = new(0xFF, 0x7F, 0x0E);
    private static readonly SKColor Green = new(0x2C, 0xA0, 0x2C);
    private static readonly SKColor Purple = new(0x94, 0x67, 0xBD);
    private static readonly SKColor Red = new(0xD6, 0x27, 0x28);

    /// <summary>Draws the chart and saves it as a PNG.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="history">The run's metrics.</param>
    /// <param name="title">The heading.</param>
    /// <param name="evaluated">What the evaluated images are called ("held-out" or "validation").</param>
    public static void Write(string path, MetricsHistory history, string title, string evaluated = "held-out")
    {
        const int Width = 1500, Height = 480, Top = 40;
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using (var heading = ChartFonts.Text(20, new SKColor(0x22, 0x22, 0x22), SKTextAlign.Center))
        {
            canvas.DrawText(title, Width / 2f, 28, heading);
        }

        var evaluations = history.Evaluations;
        var panels = new[]
        {
            new LinePanel
            {
                Title = "Loss (cross-entropy)",
                XLabel = "update",
                XMin = 0,
                YMin = 0,
                Series =
                [
                    new("training", Blue, [.. history.Train.Select(r => ((double)r.Step, r.Loss))], Width: 1.2f),
                    new(evaluated, Orange, [.. evaluations.Select(r => ((double)r.Step, r.Loss))], Markers: true),
                    .. Average(history, r => r.Loss, $"{evaluated}, weight average"),
                ],
            },
            new LinePanel
            {
                Title = $"{char.ToUpperInvariant(evaluated[0])}{evaluated[1..]} accuracy",
                XLabel = "update",
                XMin = 0,
                YMax = 1,
                YFormat = "0.00",
                Series =
                [
                    new("top-1", Green, [.. evaluations.Select(r => ((double)r.Step, r.Top1))], Markers: true),
                    new("top-5", Purple, [.. evaluations.Select(r => ((double)r.Step, r.Top5))], Markers: true),
                    .. Average(history, r => r.Top1, "top-1, weight average"),
                ],
            },
            new LinePanel
            {
                Title = "Learning rate",
                XLabel = "update",
                XMin = 0,
                YMin = 0,
                Series = [new("AdamW lr", Blue, [.. history.Train.Select(r => ((double)r.Step, r.LearningRate))])],
            },
        };
        float panelWidth = Width / (float)panels.Length;
        for (int i = 0; i < panels.Length; i++)
        {
            panels[i].Draw(canvas, new SKRect(i * panelWidth, Top, (i + 1) * panelWidth, Height));
        }

        PngFile.Save(surface, path);
    }

    /// <summary>The weight average's series of one metric, or none when the run kept no average.</summary>
    private static LineSeries[] Average(MetricsHistory history, Func<(int Step, int Epoch, double Loss, double Top1, double Top5), double> metric, string name) =>
        history.EmaEvaluations.Count == 0 ? [] : [new(name, Red, [.. history.EmaEvaluations.Select(r => ((double)r.Step, metric(r)))], Markers: true)];
}
