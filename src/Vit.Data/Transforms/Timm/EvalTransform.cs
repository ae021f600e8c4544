using System.Globalization;
using TorchSharp;
using Vit.Core;
using Vit.Imaging;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// timm's evaluation transform, Pillow-exact: decode (SkiaSharp, Pillow's RGB / L conversion), resize the shorter side
/// to <c>floor(ImageSize / CropPct)</c> with Pillow's resampling, centre-crop, then in the tensor stage scale to [0, 1]
/// and <see cref="Normalize"/>. The decode and geometry are the very code Vit.Inference's <c>ImageClassifier</c> runs
/// (compiled from src/Shared/Imaging), so an image is the same tensor at evaluation and at serving.
/// </summary>
/// <remarks>
/// Build it from a model folder with <see cref="FromPretrained"/>, and save what evaluation used with
/// <see cref="ToPretrainedMetadata"/> into <see cref="VisionTransformer.SavePretrained"/>. Thread-safe.
/// </remarks>
public sealed class EvalTransform
{
    private readonly EvalTransformOptions _options;
    private readonly string _interpolation;

    /// <summary>Creates the transform.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid (the message names it and its value).</exception>
    public EvalTransform(EvalTransformOptions? options = null)
    {
        _options = options?.Clone() ?? new EvalTransformOptions();
        new EvalTransformOptionsValidator().ThrowIfInvalid(_options);
        _interpolation = _options.Interpolation.ToString().ToLowerInvariant();
        float[] mean = _options.Mean ?? [.. Enumerable.Repeat(0.5f, _options.Channels)];
        float[] std = _options.Std ?? [.. Enumerable.Repeat(0.5f, _options.Channels)];
        Normalize = new Normalize(mean, std);
    }

    /// <summary>Gets a copy of the options.</summary>
    public EvalTransformOptions Options => _options.Clone();

    /// <summary>Gets the side of the square output.</summary>
    public int ImageSize => _options.ImageSize;

    /// <summary>Gets the output's channels.</summary>
    public int Channels => _options.Channels;

    /// <summary>Gets the shorter side's resize target, timm's <c>floor(ImageSize / CropPct)</c>.</summary>
    public int ScaleSize => PillowCenterCrop.ScaleSize(_options.ImageSize, _options.CropPct);

    /// <summary>Gets the normalisation (the tensor stage, after the loader's uint8 → float / 255).</summary>
    public Normalize Normalize { get; }

    /// <summary>Gets the tensor stage as a loader pipeline: <c>[Normalize]</c>.</summary>
    public IReadOnlyList<torchvision.ITransform> TensorTransforms => [Normalize];

    /// <summary>
    /// Builds the transform a model folder records (<c>config.json</c>'s <c>pretrained_cfg</c>: input size, interpolation,
    /// crop_pct, mean, std), the one <c>ImageClassifier.Load</c> of that folder applies.
    /// </summary>
    /// <param name="directory">A folder written by <see cref="VisionTransformer.SavePretrained"/>.</param>
    /// <returns>The transform.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config is corrupt, or its crop_pct is outside (0, 1] (the message names the file and the value).</exception>
    public static EvalTransform FromPretrained(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var model = VisionTransformer.ReadPretrainedOptions(directory);
        var metadata = VisionTransformer.ReadPretrainedMetadata(directory);
        if (!(metadata.CropPct > 0 && metadata.CropPct <= 1))
        {
            string path = Path.Combine(directory, VisionTransformer.PretrainedConfigFileName);
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"'{path}': pretrained_cfg.crop_pct is {metadata.CropPct}, but EvalTransform needs a value in (0, 1] (above 1 pads the image with black borders instead of cropping)."));
        }

        return new EvalTransform(new EvalTransformOptions
        {
            ImageSize = model.ImageSize,
            Channels = model.InChannels,
            CropPct = metadata.CropPct,
            Interpolation = metadata.Interpolation,
            Mean = metadata.Mean,
            Std = metadata.Std,
        });
    }

    /// <summary>The record of this transform for <see cref="VisionTransformer.SavePretrained"/>, so serving sees what evaluation saw.</summary>
    /// <param name="classNames">The class names by index; <see langword="null"/> for the indices as text.</param>
    /// <returns>The metadata: crop_pct, interpolation, mean, std (the model gives the input size).</returns>
    public PretrainedMetadata ToPretrainedMetadata(IReadOnlyList<string>? classNames = null) => new()
    {
        Mean = [.. Normalize.Mean],
        Std = [.. Normalize.Std],
        CropPct = _options.CropPct,
        Interpolation = _options.Interpolation,
        ClassNames = classNames is null ? null : [.. classNames],
    };

    /// <summary>Runs the whole transform on an image file.</summary>
    /// <param name="imagePath">A PNG, JPEG, WebP, GIF or BMP file.</param>
    /// <returns>float32 [Channels, ImageSize, ImageSize], normalised, on the CPU.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image; the message names it.</exception>
    public Tensor Apply(string imagePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagePath);
        if (!File.Exists(imagePath))
        {
            throw new FileNotFoundException($"Image '{imagePath}' does not exist.", imagePath);
        }

        using var stream = File.OpenRead(imagePath);
        return Apply(stream, $"'{imagePath}'");
    }

    /// <summary>Runs the whole transform on an encoded image.</summary>
    /// <param name="image">The encoded bytes.</param>
    /// <param name="source">How error messages name the image.</param>
    /// <returns>float32 [Channels, ImageSize, ImageSize], normalised, on the CPU.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image; the message names <paramref name="source"/>.</exception>
    public Tensor Apply(Stream image, string source)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte[] pixels = new byte[Channels * ImageSize * ImageSize];
        ResizeInto(image, source, pixels);
        using var scope = NewDisposeScope();
        using var bytes = tensor(pixels, [Channels, ImageSize, ImageSize], ScalarType.Byte);

        // The same two steps, in the same order and precision, as the loader's uint8 -> float / 255 and Normalize.
        // Explicit Scalars, disposed after use: TorchSharp's implicit ones can be freed by another thread's GC mid-call.
        using var levelMax = 255f.ToScalar();
        using var scaled = bytes.to_type(ScalarType.Float32).div_(levelMax);
        return Normalize.call(scaled).MoveToOuterDisposeScope();
    }

    /// <summary>Decodes, resizes and centre-crops into <paramref name="destination"/> (uint8, C·H·W, planar).</summary>
    internal void ResizeInto(Stream image, string source, Span<byte> destination)
    {
        var decoded = SkiaPlanarDecoder.Decode(image, source, Channels);
        var planes = PillowCenterCrop.Apply(decoded, ImageSize, ImageSize, ScaleSize, _interpolation);
        int plane = ImageSize * ImageSize;
        for (int c = 0; c < planes.Length; c++)
        {
            planes[c].CopyTo(destination.Slice(c * plane, plane));
        }
    }
}
