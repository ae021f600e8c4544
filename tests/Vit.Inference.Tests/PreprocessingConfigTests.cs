using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Vit.Inference.Tests;

/// <summary>Impossible preprocessing values in timm's and transformers' configs fail on load, naming the file and the field.</summary>
public sealed class PreprocessingConfigTests
{
    [Theory]
    [InlineData("std", "[0.229, 0, 0.225]", "pretrained_cfg.std holds 0 at index 1; expected a positive number (pixels are divided by it).")]
    [InlineData("std", "[0.229, -0.2, 0.225]", "pretrained_cfg.std holds -0.2 at index 1; expected a positive number (pixels are divided by it).")]
    [InlineData("mean", "[0.5, 1e999, 0.5]", "pretrained_cfg.mean holds 1e999 at index 1; expected finite numbers.")]
    [InlineData("mean", "[0.5, 0.5]", "pretrained_cfg.mean has 2 values; the model takes 3 channels.")]
    [InlineData("crop_pct", "0", "pretrained_cfg.crop_pct is 0; expected a number in (0, 16].")]
    [InlineData("crop_pct", "1e-9", "pretrained_cfg.crop_pct is 1E-09, which resizes images to floor(32 / 1E-09) px before the crop; expected at most 8192 px (crop_pct at least 0.00390625).")]
    [InlineData("crop_pct", "\"big\"", "pretrained_cfg.crop_pct is \"big\"; expected a finite number.")]
    [InlineData("input_size", "[3, 100000, 100000]", "pretrained_cfg.input_size is [3, 100000, 100000]; expected at most 16 channels and 4096 px a side.")]
    [InlineData("input_size", "[4, 32, 32]", "pretrained_cfg.input_size has 4 channels; images decode to 1 (grayscale) or 3 (RGB).")]
    [InlineData("crop_mode", "\"fancy\"", "pretrained_cfg.crop_mode is 'fancy'; expected one of center, squash, border.")]
    [InlineData("interpolation", "\"lanczos\"", "pretrained_cfg.interpolation is 'lanczos'; expected one of bilinear, bicubic, nearest.")]
    public void Load_TimmConfigWithImpossibleValue_ThrowsNamingFileAndField(string field, string json, string problem)
    {
        using var folder = CopyOf("timm_headless");
        var config = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        config["pretrained_cfg"]![field] = JsonNode.Parse(json);
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());

        var act = () => ImageEmbedder.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().Which.Message.Should().Be($"'{folder.File("config.json")}': {problem}");
    }

    [Theory]
    [InlineData("image_std", "[0.5, 0, 0.5]", "image_std holds 0 at index 1; expected a positive number (pixels are divided by it).")]
    [InlineData("image_mean", "[0.5, 1e400, 0.5]", "image_mean holds 1e400 at index 1; expected finite numbers.")]
    [InlineData("size", "{\"shortest_edge\": 1000000}", "size.shortest_edge gives a side of 1000000 px; expected 1 to 8192.")]
    [InlineData("crop_size", "{\"height\": 0, \"width\": 224}", "crop_size.height gives a side of 0 px; expected 1 to 8192.")]
    [InlineData("resample", "1", "resample is 1; expected 0 (nearest), 2 (bilinear) or 3 (bicubic).")]
    [InlineData("rescale_factor", "0", "rescale_factor is 0; expected a positive number.")]
    [InlineData("image_processor_type", "\"CLIPImageProcessor\"", "image_processor_type is 'CLIPImageProcessor'; Vit reads ViTImageProcessor, ViTFeatureExtractor, BitImageProcessor (their Pillow path).")]
    [InlineData("do_center_crop", "false", "size leaves the images' size to the images (no {height, width} resize and no centre crop); a model takes one size.")]
    public void Load_TransformersPreprocessorConfigWithImpossibleValue_ThrowsNamingFileAndField(string field, string json, string problem)
    {
        using var folder = CopyOf("timm_headless");
        var processor = JsonNode.Parse(File.ReadAllText(PreprocessingFixtures.ConfigPath("hf_bit")))!.AsObject();
        processor[field] = JsonNode.Parse(json);
        File.WriteAllText(folder.File("preprocessor_config.json"), processor.ToJsonString());

        var act = () => ImageEmbedder.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().Which.Message.Should().Be($"'{folder.File("preprocessor_config.json")}': {problem}");
    }

    [Fact]
    public void Load_TransformersFolder_TakesThePreprocessingFromPreprocessorConfig()
    {
        using var folder = CopyOf("timm_headless");
        var processor = JsonNode.Parse(File.ReadAllText(PreprocessingFixtures.ConfigPath("hf_vit")))!.AsObject();
        processor["size"] = new JsonObject { ["height"] = 32, ["width"] = 32 };
        File.WriteAllText(folder.File("preprocessor_config.json"), processor.ToJsonString());
        File.WriteAllText(folder.File("config.json"), """{"model_type": "vit", "architectures": ["ViTModel"], "hidden_size": 192, "image_size": 32, "patch_size": 4}""");

        using var embedder = ImageEmbedder.Load(folder.Path);

        (embedder.Channels, embedder.Height, embedder.Width, embedder.Dimension).Should().Be((3, 32, 32, 192));
    }

    internal static TempDirectory CopyOf(string fixture)
    {
        var folder = new TempDirectory();
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(TestFiles.Fixture(Path.Combine(fixture, "config.json")))!))
        {
            File.Copy(file, folder.File(Path.GetFileName(file)));
        }

        return folder;
    }
}
