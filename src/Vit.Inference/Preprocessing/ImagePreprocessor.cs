using SkiaSharp;
using Vit.Pretrained;

namespace Vit.Inference;

/// <summary>
/// One model's evaluation transform (<see cref="PreprocessingPlan"/>): decode, convert to grayscale (Pillow's
/// <c>convert("L")</c>) or RGB (<c>convert("RGB")</c>, alpha dropped), resize with Pillow's resampling, centre-crop or
/// pad, scale and normalise into planar floats.
/// </summary>
internal sealed class ImagePreprocessor
{
    private readonly PreprocessingPlan _plan;
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly float _divisor;

    public ImagePreprocessor(PreprocessingPlan plan)
    {
        _plan = plan;
        _mean = [.. plan.Mean.Select(v => (float)v)];
        _std = [.. plan.Std.Select(v => (float)v)];

        // Dividing by 255 (not multiplying by 1/255) is what torchvision's ToTensor does, to the last bit.
        _divisor = (float)(1 / plan.Scale);
    }

    /// <summary>Initializes a preprocessor for timm's <c>pretrained_cfg</c> as Vit.Core writes it.</summary>
    public ImagePreprocessor(PretrainedPreprocessing config)
        : this(TimmPreprocessingReader.From(config))
    {
    }

    public int Channels => _plan.Channels;

    public int Height => _plan.Height;

    public int Width => _plan.Width;

    /// <summary>Gets the number of floats one prepared image takes.</summary>
    public int InputLength => Channels * Height * Width;

    /// <summary>Decodes and prepares an encoded image into <paramref name="destination"/> (<see cref="InputLength"/> floats, planar).</summary>
    /// <exception cref="InvalidDataException">The bytes are not an image SkiaSharp can decode; the message names <paramref name="source"/>.</exception>
    public void Prepare(Stream image, string source, Span<float> destination)
    {
        var (planes, width, height) = Decode(image, source);
        var (newWidth, newHeight) = _plan.ResizedSize(width, height);
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            byte[] resized = PillowResampler.Resize(planes[c], width, height, newWidth, newHeight, _plan.Interpolation);
            if (_plan.Crop)
            {
                CropInto(resized, newWidth, newHeight, destination.Slice(c * plane, plane), c);
            }
            else
            {
                for (int i = 0; i < plane; i++)
                {
                    destination[(c * plane) + i] = Normalize(resized[i], c);
                }
            }
        }
    }

    private float Normalize(byte value, int channel) => ((value / _divisor) - _mean[channel]) / _std[channel];

    /// <summary>The centre window of <see cref="Height"/> x <see cref="Width"/>, the fill where it leaves the image, normalised.</summary>
    private void CropInto(byte[] pixels, int width, int height, Span<float> destination, int channel)
    {
        int top = Offset(height, Height), left = Offset(width, Width);
        float fill = Normalize(_plan.Fill[channel], channel);
        for (int y = 0; y < Height; y++)
        {
            int sy = y + top;
            for (int x = 0; x < Width; x++)
            {
                int sx = x + left;
                destination[(y * Width) + x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? Normalize(pixels[(sy * width) + sx], channel) : fill;
            }
        }
    }

    /// <summary>The source index of the window's first pixel along one axis (negative: padding before the image).</summary>
    private int Offset(int size, int crop)
    {
        if (_plan.Alignment == CropAlignment.Transformers)
        {
            return (int)Math.Floor((size - crop) / 2.0);
        }

        // torchvision: pad floor(d / 2) before when smaller, then crop from round(d / 2) of the padded size.
        int padBefore = crop > size ? (crop - size) / 2 : 0;
        int padded = Math.Max(size, crop);
        return (int)Math.Round((padded - crop) / 2.0, MidpointRounding.ToEven) - padBefore;
    }

    private (byte[][] Planes, int Width, int Height) Decode(Stream image, string source)
    {
        using var codec = SKCodec.Create(image)
            ?? throw new InvalidDataException($"{source} is not an image SkiaSharp can decode (PNG, JPEG, WebP, GIF or BMP expected), or it is damaged.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException($"{source} could not be decoded: SkiaSharp reported {result}.");
        }

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
