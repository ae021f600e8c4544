using System.Text.Json;

namespace Vit.Data.Tests;

/// <summary>Fixtures/eval_transform.json: Pillow + torchvision's Resize and CenterCrop of Fixtures/eval_images (see Fixtures/README.md).</summary>
internal static class EvalFixtures
{
    private static readonly Lazy<JsonElement> Images = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "eval_transform.json"))).RootElement.GetProperty("images"));

    /// <summary>The fixture configurations: name, channels, size, crop_pct, interpolation.</summary>
    public static readonly (string Name, int Channels, int Size, double CropPct, Vit.Core.ResizeInterpolation Interpolation)[] Configs =
    [
        ("rgb_bicubic_32_0.875", 3, 32, 0.875, Vit.Core.ResizeInterpolation.Bicubic),
        ("rgb_bilinear_24_1.0", 3, 24, 1.0, Vit.Core.ResizeInterpolation.Bilinear),
        ("gray_bilinear_24_0.9", 1, 24, 0.9, Vit.Core.ResizeInterpolation.Bilinear),
    ];

    public static string ImagePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "eval_images", name);

    /// <summary>Pillow's uint8 C,H,W output for one image and configuration.</summary>
    public static byte[] Expected(string image, string config) =>
        [.. Images.Value.GetProperty(image).GetProperty(config).EnumerateArray().Select(v => (byte)v.GetInt32())];

    /// <summary>Pillow's decoded RGB pixels (H,W,C) of one image.</summary>
    public static byte[] DecodedRgb(string image) =>
        [.. Images.Value.GetProperty(image).GetProperty("decoded_rgb").EnumerateArray().Select(v => (byte)v.GetInt32())];

    public static EvalTransformOptions Options(string config)
    {
        var c = Configs.Single(c => c.Name == config);
        return new EvalTransformOptions { Channels = c.Channels, ImageSize = c.Size, CropPct = c.CropPct, Interpolation = c.Interpolation };
    }
}
