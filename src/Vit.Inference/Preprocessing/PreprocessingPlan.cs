using System.Globalization;

namespace Vit.Inference;

/// <summary>
/// One model's evaluation preprocessing, whichever file described it (timm's <c>pretrained_cfg</c> or transformers'
/// <c>preprocessor_config.json</c>): convert to grayscale or RGB, resize with Pillow's filter, centre-crop or pad,
/// scale and normalise. Every size is checked against <see cref="MaxSide"/> when read, before any image is touched.
/// </summary>
internal sealed class PreprocessingPlan
{
    /// <summary>The largest side a config may ask for (resize or crop); larger values are treated as corrupt.</summary>
    public const int MaxSide = 8192;

    /// <summary>Gets the number of channels: 1 (Pillow's <c>convert("L")</c>) or 3 (<c>convert("RGB")</c>).</summary>
    public required int Channels { get; init; }

    /// <summary>Gets the model input's height.</summary>
    public required int Height { get; init; }

    /// <summary>Gets the model input's width.</summary>
    public required int Width { get; init; }

    /// <summary>Gets how the resized size follows from the image's size.</summary>
    public required ResizeRule Resize { get; init; }

    /// <summary>Gets the resize target's height (the shorter side's length for <see cref="ResizeRule.ShortestEdge"/>).</summary>
    public required int ResizeHeight { get; init; }

    /// <summary>Gets the resize target's width.</summary>
    public required int ResizeWidth { get; init; }

    /// <summary>Gets Pillow's filter: <c>nearest</c>, <c>bilinear</c> or <c>bicubic</c>.</summary>
    public required string Interpolation { get; init; }

    /// <summary>Gets whether the resized image is centre-cropped (and padded where smaller) to <see cref="Height"/> x <see cref="Width"/>.</summary>
    public required bool Crop { get; init; }

    /// <summary>Gets where the crop window sits for odd differences.</summary>
    public required CropAlignment Alignment { get; init; }

    /// <summary>Gets the 8-bit value each channel is padded with.</summary>
    public required IReadOnlyList<byte> Fill { get; init; }

    /// <summary>Gets the factor 8-bit values are multiplied by before normalising (1/255, or 1 without rescaling).</summary>
    public required double Scale { get; init; }

    /// <summary>Gets the per-channel mean subtracted after scaling.</summary>
    public required IReadOnlyList<double> Mean { get; init; }

    /// <summary>Gets the per-channel standard deviation divided by.</summary>
    public required IReadOnlyList<double> Std { get; init; }

    /// <summary>Gets the size an image of <paramref name="width"/> x <paramref name="height"/> is resized to.</summary>
    public (int Width, int Height) ResizedSize(int width, int height)
    {
        switch (Resize)
        {
            case ResizeRule.ShortestEdge:
                int target = ResizeHeight, shorter = Math.Min(width, height), longer = Math.Max(width, height);
                int resizedLong = (int)Math.Min(int.MaxValue, (long)target * longer / shorter); // clamped: Prepare refuses sizes past the pixel limit
                return width <= height ? (target, resizedLong) : (resizedLong, target);
            case ResizeRule.Exact:
                return (ResizeWidth, ResizeHeight);
            case ResizeRule.KeepRatioLongest:
            case ResizeRule.KeepRatioShortest:
                double ratioH = height / (double)ResizeHeight, ratioW = width / (double)ResizeWidth;
                double ratio = Resize == ResizeRule.KeepRatioLongest ? Math.Max(ratioH, ratioW) : Math.Min(ratioH, ratioW);

                // Python's round(): half to even.
                return ((int)Math.Round(width / ratio, MidpointRounding.ToEven), (int)Math.Round(height / ratio, MidpointRounding.ToEven));
            default:
                return (width, height);
        }
    }

    /// <summary>Throws unless a size read from <paramref name="fields"/>'s field <paramref name="name"/> is within [1, <see cref="MaxSide"/>].</summary>
    public static int CheckSide(Vit.Pretrained.JsonFields fields, string name, double value) =>
        value >= 1 && value <= MaxSide
            ? (int)value
            : throw fields.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"gives a side of {value} px; expected 1 to {MaxSide}"));
}
