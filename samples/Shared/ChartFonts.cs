using SkiaSharp;

namespace Vit.Samples;

/// <summary>
/// A typeface that can actually draw text. SkiaSharp's Linux "NoDependencies" native build has no fontconfig, so
/// the default typeface may have no glyphs; then a common font file is loaded directly.
/// </summary>
internal static class ChartFonts
{
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
        @"C:\Windows\Fonts\segoeui.ttf",
        @"C:\Windows\Fonts\arial.ttf",
    ];

    private static readonly Lazy<SKTypeface> Loaded = new(Load);

    /// <summary>Gets the typeface to draw labels with.</summary>
    public static SKTypeface Typeface => Loaded.Value;

    /// <summary>Creates an antialiased fill paint for text.</summary>
    /// <param name="size">Text size in pixels.</param>
    /// <param name="color">Text colour.</param>
    /// <param name="align">Horizontal alignment relative to the x coordinate drawn at.</param>
    /// <returns>The paint (the caller disposes it).</returns>
    public static SKPaint Text(float size, SKColor color, SKTextAlign align = SKTextAlign.Left) => new()
    {
        Typeface = Typeface,
        TextSize = size,
        Color = color,
        IsAntialias = true,
        TextAlign = align,
    };

    private static SKTypeface Load()
    {
        var fallback = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        if (fallback.GlyphCount > 0)
        {
            return fallback;
        }

        foreach (string path in Candidates)
        {
            if (File.Exists(path) && SKTypeface.FromFile(path) is { GlyphCount: > 0 } typeface)
            {
                return typeface;
            }
        }

        return fallback;
    }
}
