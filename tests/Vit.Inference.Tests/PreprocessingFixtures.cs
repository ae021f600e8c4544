using System.Text.Json.Nodes;
using SkiaSharp;
using Vit.Pretrained;

namespace Vit.Inference.Tests;

/// <summary>The Pillow-made preprocessing fixtures (Fixtures/preprocessing, made by its make_fixtures.py with timm's code and Pillow).</summary>
internal static class PreprocessingFixtures
{
    public static readonly string[] Configs =
        ["timm_center_bicubic", "timm_center_nonsquare", "timm_squash_bilinear", "timm_border_bicubic", "timm_gray_nearest", "timm_gray_pad", "hf_vit", "hf_bit", "hf_bit_pad"];

    public static readonly string[] Images = ["l_37x29.png", "rgb_45x31.png", "rgba_29x41.png", "p_33x27.png", "rgb_41x35.jpg", "l_27x39.jpg", "rgb_64x19.jpg"];

    public static string ImagePath(string image) => TestFiles.Fixture(Path.Combine("preprocessing", "images", image));

    public static string ConfigPath(string config) => TestFiles.Fixture(Path.Combine("preprocessing", config + ".json"));

    /// <summary>The plan a config file describes: timm's <c>pretrained_cfg</c> or transformers' <c>preprocessor_config.json</c>.</summary>
    public static PreprocessingPlan Plan(string config) => config.StartsWith("hf_", StringComparison.Ordinal)
        ? TransformersPreprocessingReader.Read(ConfigPath(config))
        : TimmPreprocessingReader.Read(new JsonFields(ConfigPath(config), JsonNode.Parse(File.ReadAllText(ConfigPath(config)))!.AsObject(), string.Empty));

    /// <summary>Pillow's 8-bit result (before ToTensor and Normalize) as planar [C, H, W] bytes, with its size.</summary>
    public static (byte[] Pixels, int Width, int Height) Expected(string config, string image, int channels)
    {
        string path = TestFiles.Fixture(Path.Combine("preprocessing", "expected", config, Path.ChangeExtension(image, ".png")));
        using var bitmap = SKBitmap.Decode(path).Copy(SKColorType.Rgba8888);
        int count = bitmap.Width * bitmap.Height;
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        var planar = new byte[channels * count];
        for (int c = 0; c < channels; c++)
        {
            for (int p = 0; p < count; p++)
            {
                planar[(c * count) + p] = rgba[(4 * p) + c];
            }
        }

        return (planar, bitmap.Width, bitmap.Height);
    }
}
