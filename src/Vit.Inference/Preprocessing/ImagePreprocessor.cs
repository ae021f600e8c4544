using System.Globalization;
using Vit.Imaging;
using Vit.Input;
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
    /// <exception cref="InvalidDataException">
    /// The bytes are not an image SkiaSharp can decode, are truncated, declare more than <see cref="InputLimits.MaxImagePixels"/>
    /// pixels or resize to more; the message names <paramref name="source"/>.
    /// </exception>
    public void Prepare(Stream image, string source, Span<float> destination)
    {
        // The decode is src/Shared/Imaging's (bounded by the declared size), which Vit.Data's EvalTransform compiles too.
        var decoded = SkiaPlanarDecoder.Decode(image, source, Channels);
        var (planes, width, height) = (decoded.Planes, decoded.Width, decoded.Height);
        var (newWidth, newHeight) = _plan.ResizedSize(width, height);
        if ((long)newWidth * newHeight > InputLimits.MaxImagePixels)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source} is {width}x{height}; resizing it to {newWidth}x{newHeight} pixels would make more than the {InputLimits.MaxImagePixels} Vit resizes (the aspect ratio is too extreme)."));
        }

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
}
