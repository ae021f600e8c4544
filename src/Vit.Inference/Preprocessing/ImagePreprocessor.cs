using Vit.Imaging;
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
        // The decode and the resize + crop are src/Shared/Imaging's, which Vit.Data's EvalTransform compiles too.
        var decoded = SkiaPlanarDecoder.Decode(image, source, Channels);
        var planes = PillowCenterCrop.Apply(decoded, Height, Width, _config.ScaleSize(Height), _config.Interpolation, source);
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            Span<float> target = destination.Slice(c * plane, plane);
            byte[] pixels = planes[c];
            for (int p = 0; p < plane; p++)
            {
                target[p] = ((pixels[p] / 255f) - _mean[c]) / _std[c];
            }
        }
    }
}
