using System.Globalization;
using Vit.Input;
using Vit.Pretrained;

namespace Vit.Inference;

/// <summary>
/// timm's evaluation transform (<c>transforms_imagenet_eval</c>) from a <c>pretrained_cfg</c>: the scale size is
/// <c>floor(size / crop_pct)</c>; crop mode <c>center</c> resizes the shorter side to it and centre-crops, <c>squash</c>
/// resizes both sides to it and centre-crops, <c>border</c> fits the image inside it and pads with the mean colour.
/// </summary>
internal static class TimmPreprocessingReader
{
    /// <summary>timm's <c>DEFAULT_CROP_PCT</c>, for configs that leave <c>crop_pct</c> out.</summary>
    public const double DefaultCropPct = 0.875;

    private static readonly string[] Interpolations = ["bilinear", "bicubic", "nearest"];
    private static readonly string[] CropModes = ["center", "squash", "border"];

    /// <summary>The plan of a <see cref="PretrainedPreprocessing"/> (the object Vit.Core writes), read back through its JSON.</summary>
    public static PreprocessingPlan From(PretrainedPreprocessing preprocessing) =>
        Read(new JsonFields("pretrained_cfg", preprocessing.ToJson(numClasses: 0), "pretrained_cfg."));

    /// <summary>Reads <c>pretrained_cfg</c>.</summary>
    /// <exception cref="InvalidDataException">A field is missing or impossible; the message names the file and the field.</exception>
    public static PreprocessingPlan Read(JsonFields fields)
    {
        var inputSize = fields.Ints("input_size", minimum: 1);
        if (inputSize.Count != 3)
        {
            throw fields.Invalid("input_size", string.Create(CultureInfo.InvariantCulture, $"has {inputSize.Count} values; expected [channels, height, width]"));
        }

        if (inputSize[0] > InputLimits.MaxInputChannels || inputSize[1] > InputLimits.MaxInputSide || inputSize[2] > InputLimits.MaxInputSide)
        {
            throw fields.Invalid("input_size", string.Create(CultureInfo.InvariantCulture, $"is [{string.Join(", ", inputSize)}]; expected at most {InputLimits.MaxInputChannels} channels and {InputLimits.MaxInputSide} px a side"));
        }

        int channels = inputSize[0] is 1 or 3
            ? inputSize[0]
            : throw fields.Invalid("input_size", string.Create(CultureInfo.InvariantCulture, $"has {inputSize[0]} channels; images decode to 1 (grayscale) or 3 (RGB)"));
        int height = PreprocessingPlan.CheckSide(fields, "input_size", inputSize[1]);
        int width = PreprocessingPlan.CheckSide(fields, "input_size", inputSize[2]);

        string interpolation = fields.String("interpolation");
        if (!Interpolations.Contains(interpolation))
        {
            throw fields.Invalid("interpolation", $"is '{interpolation}'; expected one of {string.Join(", ", Interpolations)}");
        }

        string cropMode = ConfigValues.Present(fields, "crop_mode") ? fields.String("crop_mode") : "center";
        if (!CropModes.Contains(cropMode))
        {
            throw fields.Invalid("crop_mode", $"is '{cropMode}'; expected one of {string.Join(", ", CropModes)}");
        }

        // crop_pct above 1 is allowed: timm then pads (Vit's samples write it to pad 28 px images into 32 px models).
        double cropPct = ConfigValues.Finite(fields, "crop_pct", DefaultCropPct);
        if (!(cropPct > 0) || cropPct > InputLimits.MaxCropPct)
        {
            throw fields.Invalid("crop_pct", string.Create(CultureInfo.InvariantCulture, $"is {cropPct}; expected a number in (0, {InputLimits.MaxCropPct}]"));
        }

        double scale = Math.Floor(Math.Max(height, width) / cropPct);
        if (scale > InputLimits.MaxResizeSide)
        {
            throw fields.Invalid("crop_pct", string.Create(CultureInfo.InvariantCulture,
                $"is {cropPct}, which resizes images to floor({Math.Max(height, width)} / {cropPct}) px before the crop; expected at most {InputLimits.MaxResizeSide} px (crop_pct at least {(double)Math.Max(height, width) / InputLimits.MaxResizeSide})"));
        }

        int scaleHeight = PreprocessingPlan.CheckSide(fields, "crop_pct", Math.Floor(height / cropPct));
        int scaleWidth = PreprocessingPlan.CheckSide(fields, "crop_pct", Math.Floor(width / cropPct));
        var mean = ConfigValues.PerChannel(fields, "mean", channels, fallback: null, positive: false);
        var std = ConfigValues.PerChannel(fields, "std", channels, fallback: null, positive: true);

        // timm's centre mode on a non-square input calls ResizeKeepRatio without passing the interpolation: bilinear.
        var (rule, filter) = cropMode switch
        {
            "squash" => (ResizeRule.Exact, interpolation),
            "border" => (ResizeRule.KeepRatioLongest, interpolation),
            _ when scaleHeight == scaleWidth => (ResizeRule.ShortestEdge, interpolation),
            _ => (ResizeRule.KeepRatioShortest, "bilinear"),
        };
        return new PreprocessingPlan
        {
            Channels = channels,
            Height = height,
            Width = width,
            Resize = rule,
            ResizeHeight = scaleHeight,
            ResizeWidth = scaleWidth,
            Interpolation = filter,
            Crop = true,
            Alignment = CropAlignment.Torchvision,
            Fill = [.. mean.Select(m => cropMode == "border" ? (byte)Math.Clamp(Math.Round(255 * m, MidpointRounding.ToEven), 0, 255) : (byte)0)],
            Scale = 1 / 255.0,
            Mean = mean,
            Std = std,
        };
    }
}
