using System.Globalization;
using System.Text.Json.Nodes;
using Vit.Pretrained;
using Vit.Input;

namespace Vit.Inference;

/// <summary>
/// transformers' <c>preprocessor_config.json</c> for the processors ViTs ship with, on their Pillow path:
/// <c>ViTImageProcessor</c> (resize straight to <c>{height, width}</c>, no crop) and <c>BitImageProcessor</c> (DINOv2:
/// resize the shortest edge, centre-crop to <c>crop_size</c>); then rescale and normalise, each step switchable by its
/// <c>do_*</c> flag.
/// </summary>
internal static class TransformersPreprocessingReader
{
    /// <summary>The file name inside a transformers model folder.</summary>
    public const string FileName = "preprocessor_config.json";

    private static readonly string[] ViTNames = ["ViTImageProcessor", "ViTFeatureExtractor"];
    private static readonly string[] BitNames = ["BitImageProcessor"];
    private static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] ClipStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Reads and checks the file.</summary>
    /// <exception cref="InvalidDataException">The file is not JSON, names another processor, or a field is impossible; the message names the file and the field.</exception>
    public static PreprocessingPlan Read(string path)
    {
        // Regular files only, bounded in size and depth, a repeated key named (src/Shared/Input).
        var root = JsonInput.ReadFile(path) as JsonObject ?? throw new InvalidDataException($"'{path}' is not a preprocessor config: expected a JSON object.");

        var fields = new JsonFields(path, root, string.Empty);
        string typeField = ConfigValues.Present(fields, "image_processor_type") ? "image_processor_type" : "feature_extractor_type";
        string type = fields.String(typeField);
        bool bit = BitNames.Contains(type);
        if (!bit && !ViTNames.Contains(type))
        {
            throw fields.Invalid(typeField, $"is '{type}'; Vit reads {string.Join(", ", ViTNames.Concat(BitNames))} (their Pillow path)");
        }

        string interpolation = Resample(fields, bit ? 3 : 2);
        bool resize = ConfigValues.Bool(fields, "do_resize", true);
        var (rule, resizeHeight, resizeWidth) = resize ? Size(fields, "size", squareWhenNumber: !bit, fallback: bit ? 256 : 224) : (ResizeRule.None, 0, 0);
        bool crop = bit && ConfigValues.Bool(fields, "do_center_crop", true);
        int height = resizeHeight, width = resizeWidth;
        if (crop)
        {
            (_, height, width) = Size(fields, "crop_size", squareWhenNumber: true, fallback: 224);
        }
        else if (rule != ResizeRule.Exact)
        {
            throw fields.Invalid(resize ? "size" : "do_resize", "leaves the images' size to the images (no {height, width} resize and no centre crop); a model takes one size");
        }

        bool rescale = ConfigValues.Bool(fields, "do_rescale", true);
        double factor = rescale ? ConfigValues.Finite(fields, "rescale_factor", 1 / 255.0) : 1;
        if (!(factor > 0))
        {
            throw fields.Invalid("rescale_factor", string.Create(CultureInfo.InvariantCulture, $"is {factor}; expected a positive number"));
        }

        bool normalize = ConfigValues.Bool(fields, "do_normalize", true);
        var mean = normalize ? ConfigValues.PerChannel(fields, "image_mean", 3, bit ? ClipMean : [0.5, 0.5, 0.5], positive: false) : [0.0, 0.0, 0.0];
        var std = normalize ? ConfigValues.PerChannel(fields, "image_std", 3, bit ? ClipStd : [0.5, 0.5, 0.5], positive: true) : [1.0, 1.0, 1.0];
        return new PreprocessingPlan
        {
            Channels = 3,
            Height = height,
            Width = width,
            Resize = rule,
            ResizeHeight = resizeHeight,
            ResizeWidth = resizeWidth,
            Interpolation = interpolation,
            Crop = crop,
            Alignment = CropAlignment.Transformers,
            Fill = [0, 0, 0],
            Scale = factor,
            Mean = mean,
            Std = std,
        };
    }

    /// <summary>Pillow's resampling code: 0 nearest, 2 bilinear, 3 bicubic (the filters Vit's resampler implements).</summary>
    private static string Resample(JsonFields fields, int fallback)
    {
        int code = ConfigValues.Present(fields, "resample") ? fields.Int("resample") : fallback;
        return code switch
        {
            0 => "nearest",
            2 => "bilinear",
            3 => "bicubic",
            _ => throw fields.Invalid("resample", string.Create(CultureInfo.InvariantCulture, $"is {code}; expected 0 (nearest), 2 (bilinear) or 3 (bicubic)")),
        };
    }

    /// <summary>A size field: <c>{height, width}</c>, <c>{shortest_edge}</c>, or a number (square, or the shortest edge).</summary>
    private static (ResizeRule Rule, int Height, int Width) Size(JsonFields fields, string name, bool squareWhenNumber, int fallback)
    {
        if (!ConfigValues.Present(fields, name))
        {
            return squareWhenNumber ? (ResizeRule.Exact, fallback, fallback) : (ResizeRule.ShortestEdge, fallback, fallback);
        }

        if (fields.Node[name] is not JsonObject)
        {
            int side = PreprocessingPlan.CheckSide(fields, name, ConfigValues.Finite(fields, name, 0));
            return squareWhenNumber ? (ResizeRule.Exact, side, side) : (ResizeRule.ShortestEdge, side, side);
        }

        var size = fields.Object(name);
        if (ConfigValues.Present(size, "shortest_edge"))
        {
            int side = PreprocessingPlan.CheckSide(size, "shortest_edge", size.Int("shortest_edge"));
            return (ResizeRule.ShortestEdge, side, side);
        }

        return (ResizeRule.Exact, PreprocessingPlan.CheckSide(size, "height", size.Int("height")), PreprocessingPlan.CheckSide(size, "width", size.Int("width")));
    }
}
