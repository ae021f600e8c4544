using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>Checks, before any graph is built, that calibration images are ones the model takes.</summary>
internal static class CalibrationImagesCheck
{
    /// <exception cref="ArgumentException">The channels differ from the model's, or the size does from a fixed-size model's.</exception>
    public static void ThrowIfUnfit(Tensor images, VisionTransformerOptions model)
    {
        long channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        bool sizeFits = model.DynamicImageSize
            ? model.StemOutputSide(height) >= model.PatchSize && model.StemOutputSide(width) >= model.PatchSize
            : height == model.ImageSize && width == model.ImageSize;
        if (channels != model.InChannels || !sizeFits)
        {
            string size = model.DynamicImageSize
                ? $"height and width of at least the patch size {model.PatchSize}{(model.HasStem ? " after the stem" : string.Empty)}"
                : $"{model.ImageSize}x{model.ImageSize}";
            throw new ArgumentException(
                $"OnnxExportOptions.CalibrationImages is [{string.Join(", ", images.shape)}], but the model takes {model.InChannels} channels at {size}: [N, {model.InChannels}, H, W]; nothing was written.",
                nameof(images));
        }
    }
}
