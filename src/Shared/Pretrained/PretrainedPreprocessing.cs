using System.Globalization;
using System.Text.Json.Nodes;
using Vit.Input;

namespace Vit.Pretrained;

/// <summary>
/// How an image becomes the model's input at evaluation time, as timm's <c>pretrained_cfg</c> says it: resize the
/// shorter side to <c>floor(size / crop_pct)</c> with <see cref="Interpolation"/>, centre-crop to the input size
/// (zero-padding where the image is smaller), scale to [0, 1] and normalise with <see cref="Mean"/> / <see cref="Std"/>.
/// </summary>
internal sealed class PretrainedPreprocessing
{
    /// <summary>The interpolation names timm uses that a reader must support.</summary>
    public static readonly IReadOnlyList<string> Interpolations = ["bilinear", "bicubic", "nearest"];

    /// <summary>Gets the model input as <c>[channels, height, width]</c>.</summary>
    public required IReadOnlyList<int> InputSize { get; init; }

    /// <summary>Gets the resampling filter: <c>bilinear</c>, <c>bicubic</c> or <c>nearest</c>.</summary>
    public required string Interpolation { get; init; }

    /// <summary>Gets the fraction of the resized image the centre crop keeps (above 1 pads instead).</summary>
    public required double CropPct { get; init; }

    /// <summary>Gets the crop mode; only timm's default <c>center</c> is defined.</summary>
    public required string CropMode { get; init; }

    /// <summary>Gets the per-channel mean of [0, 1] pixels.</summary>
    public required IReadOnlyList<double> Mean { get; init; }

    /// <summary>Gets the per-channel standard deviation.</summary>
    public required IReadOnlyList<double> Std { get; init; }

    /// <summary>Reads <c>pretrained_cfg</c>.</summary>
    public static PretrainedPreprocessing Read(JsonFields fields)
    {
        var inputSize = fields.Ints("input_size", minimum: 1);
        if (inputSize.Count != 3)
        {
            throw fields.Invalid("input_size", $"has {inputSize.Count} values; expected [channels, height, width]");
        }

        if (inputSize[0] > InputLimits.MaxInputChannels || inputSize[1] > InputLimits.MaxInputSide || inputSize[2] > InputLimits.MaxInputSide)
        {
            throw fields.Invalid("input_size", string.Create(CultureInfo.InvariantCulture,
                $"is [{string.Join(", ", inputSize)}]; expected at most {InputLimits.MaxInputChannels} channels and {InputLimits.MaxInputSide} px a side"));
        }

        string interpolation = fields.String("interpolation");
        if (!Interpolations.Contains(interpolation))
        {
            throw fields.Invalid("interpolation", $"is '{interpolation}'; expected one of {string.Join(", ", Interpolations)}");
        }

        string cropMode = fields.String("crop_mode");
        if (cropMode != "center")
        {
            throw fields.Invalid("crop_mode", $"is '{cropMode}'; only 'center' (timm's default) is supported");
        }

        double cropPct = fields.Double("crop_pct");
        if (!(cropPct > 0 && cropPct <= InputLimits.MaxCropPct))
        {
            throw fields.Invalid("crop_pct", string.Create(CultureInfo.InvariantCulture, $"is {cropPct}; expected a number in (0, {InputLimits.MaxCropPct}]"));
        }

        int side = Math.Max(inputSize[1], inputSize[2]);
        if (Math.Floor(side / cropPct) > InputLimits.MaxResizeSide)
        {
            throw fields.Invalid("crop_pct", string.Create(CultureInfo.InvariantCulture,
                $"is {cropPct}, which resizes images to floor({side} / {cropPct}) px before the crop; expected at most {InputLimits.MaxResizeSide} px (crop_pct at least {(double)side / InputLimits.MaxResizeSide})"));
        }

        var mean = fields.Doubles("mean");
        if (mean.Any(m => !(Math.Abs(m) <= InputLimits.MaxMeanMagnitude)))
        {
            throw fields.Invalid("mean", string.Create(CultureInfo.InvariantCulture,
                $"holds {mean.First(m => !(Math.Abs(m) <= InputLimits.MaxMeanMagnitude))}; expected finite values in [-{InputLimits.MaxMeanMagnitude}, {InputLimits.MaxMeanMagnitude}]"));
        }

        var std = fields.Doubles("std");
        if (std.Any(s => !(s >= InputLimits.MinStd && s <= InputLimits.MaxStd)))
        {
            throw fields.Invalid("std", string.Create(CultureInfo.InvariantCulture,
                $"holds {std.First(s => !(s >= InputLimits.MinStd && s <= InputLimits.MaxStd))}; expected values in [{InputLimits.MinStd}, {InputLimits.MaxStd}]"));
        }

        return new PretrainedPreprocessing
        {
            InputSize = inputSize,
            Interpolation = interpolation,
            CropPct = cropPct,
            CropMode = cropMode,
            Mean = mean,
            Std = std,
        };
    }

    /// <summary>The side the shorter image side is resized to before the crop, timm's <c>floor(size / crop_pct)</c>.</summary>
    /// <param name="size">The crop's side (height or width of the input).</param>
    /// <returns>The resize target.</returns>
    public int ScaleSize(int size) => (int)Math.Floor(size / CropPct);

    /// <summary>Writes <c>pretrained_cfg</c> with timm's field names (timm builds its <c>PretrainedCfg</c> from them).</summary>
    public JsonObject ToJson(int numClasses) => new()
    {
        ["input_size"] = new JsonArray([.. InputSize.Select(v => (JsonNode?)JsonValue.Create(v))]),
        ["fixed_input_size"] = true,
        ["interpolation"] = Interpolation,
        ["crop_pct"] = CropPct,
        ["crop_mode"] = CropMode,
        ["mean"] = new JsonArray([.. Mean.Select(v => (JsonNode?)JsonValue.Create(v))]),
        ["std"] = new JsonArray([.. Std.Select(v => (JsonNode?)JsonValue.Create(v))]),
        ["num_classes"] = numClasses,
        ["first_conv"] = "patch_embed.proj",
        ["classifier"] = "head",
    };
}
