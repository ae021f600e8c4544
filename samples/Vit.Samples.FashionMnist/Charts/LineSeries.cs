using SkiaSharp;

namespace Vit.Samples.FashionMnist.Charts;

/// <summary>One named line of a <see cref="LinePanel"/>; with markers it is drawn as joined dots (few points).</summary>
internal sealed record LineSeries(string Name, SKColor Color, IReadOnlyList<(double X, double Y)> Points, bool Markers = false, float Width = 2);
