using System.Globalization;
using Vit.Images;
using Vit.Input;
using Vit.Pretrained;

namespace Vit.Inference;

/// <summary>
/// timm's evaluation transform for one model: decode, convert to grayscale (Pillow's <c>convert("L")</c>) or RGB,
/// resize the shorter side to <c>floor(size / crop_pct)</c> (Pillow's resampling), centre-crop to the input size
/// (zero-padding a smaller image, as torchvision's <c>CenterCrop</c>), scale to [0, 1] and normalise.
/// </summary>
internal sealed class ImagePreprocessor
{
    private readonly PretrainedPreprocessing _config;
    private readonly float[] _mean;
    private readonly float[] _std;

    public ImagePreprocessor(PretrainedPreprocessing config)
    {
        _config = config;
        Channels = config.InputSize[0];
        Height = config.InputSize[1];
        Width = config.InputSize[2];
        _mean = [.. config.Mean.Select(v => (float)v)];
        _std = [.. config.Std.Select(v => (float)v)];
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Gets the number of floats one prepared image takes.</summary>
    public int InputLength => Channels * Height * Width;

    /// <summary>Decodes and prepares an encoded image into <paramref name="destination"/> (<see cref="InputLength"/> floats, planar).</summary>
    /// <exception cref="InvalidDataException">
    /// The bytes are not an image SkiaSharp can decode, are truncated, declare more than <see cref="InputLimits.MaxImagePixels"/>
    /// pixels or resize to more; the message names <paramref name="source"/>.
    /// </exception>
    public void Prepare(Stream image, string source, Span<float> destination)
    {
        var (planes, width, height) = Decode(image, source);
        int shorter = Math.Min(width, height), longer = Math.Max(width, height);
        int target = _config.ScaleSize(Height);
        long longSide = (long)target * longer / shorter;
        if (longSide * target > InputLimits.MaxImagePixels)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source} is {width}x{height}; resizing its shorter side to {target} px would make {longSide}x{target} pixels, more than the {InputLimits.MaxImagePixels} Vit resizes (the aspect ratio is too extreme)."));
        }

        int resizedShort = target, resizedLong = (int)longSide;
        int newWidth = width <= height ? resizedShort : resizedLong;
        int newHeight = width <= height ? resizedLong : resizedShort;
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            byte[] resized = PillowResampler.Resize(planes[c], width, height, newWidth, newHeight, _config.Interpolation);
            CropInto(resized, newWidth, newHeight, destination.Slice(c * plane, plane), _mean[c], _std[c]);
        }
    }

    /// <summary>torchvision's <c>CenterCrop</c>: pad with zeros where the image is smaller, then crop at <c>round((size - crop) / 2)</c>, then normalise.</summary>
    private void CropInto(byte[] pixels, int width, int height, Span<float> destination, float mean, float std)
    {
        int padLeft = Width > width ? (Width - width) / 2 : 0;
        int padTop = Height > height ? (Height - height) / 2 : 0;
        int paddedWidth = Math.Max(width, Width), paddedHeight = Math.Max(height, Height);
        int top = (int)Math.Round((paddedHeight - Height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((paddedWidth - Width) / 2.0, MidpointRounding.ToEven);
        for (int y = 0; y < Height; y++)
        {
            int sy = y + top - padTop;
            for (int x = 0; x < Width; x++)
            {
                int sx = x + left - padLeft;
                byte value = sy >= 0 && sy < height && sx >= 0 && sx < width ? pixels[(sy * width) + sx] : (byte)0;
                destination[(y * Width) + x] = ((value / 255f) - mean) / std;
            }
        }
    }

    private (byte[][] Planes, int Width, int Height) Decode(Stream image, string source)
    {
        using var codec = BoundedImageDecoder.Open(image, source);
        using var bitmap = BoundedImageDecoder.DecodeRgba(codec, source);
        var info = bitmap.Info;
        int width = info.Width, height = info.Height, count = width * height;
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        var planes = new byte[Channels][];
        for (int c = 0; c < Channels; c++)
        {
            planes[c] = new byte[count];
        }

        for (int p = 0; p < count; p++)
        {
            byte r = rgba[4 * p], g = rgba[(4 * p) + 1], b = rgba[(4 * p) + 2];
            if (Channels == 1)
            {
                // Pillow's RGB -> L: ITU-R 601-2 luma in 16-bit fixed point.
                planes[0][p] = (byte)(((r * 19595) + (g * 38470) + (b * 7471) + 0x8000) >> 16);
            }
            else
            {
                planes[0][p] = r;
                planes[1][p] = g;
                planes[2][p] = b;
            }
        }

        return (planes, width, height);
    }
}
