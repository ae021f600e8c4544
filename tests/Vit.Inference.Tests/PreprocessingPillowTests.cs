using FluentAssertions;
using Xunit;

namespace Vit.Inference.Tests;

/// <summary>timm's and transformers' preprocessing, read from their config files, equals Pillow's pixels within one grey level.</summary>
public sealed class PreprocessingPillowTests
{
    public static IEnumerable<object[]> Cases =>
        PreprocessingFixtures.Configs.SelectMany(c => PreprocessingFixtures.Images.Select(i => new object[] { c, i }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prepare_PngOrJpegOfAnyMode_EqualsPillowWithinOneGreyLevel(string config, string image)
    {
        var plan = PreprocessingFixtures.Plan(config);
        var preprocessor = new ImagePreprocessor(plan);
        var (expected, width, height) = PreprocessingFixtures.Expected(config, image, plan.Channels);
        var actual = new float[preprocessor.InputLength];
        using (var stream = File.OpenRead(PreprocessingFixtures.ImagePath(image)))
        {
            preprocessor.Prepare(stream, image, actual);
        }

        (preprocessor.Width, preprocessor.Height).Should().Be((width, height));
        int plane = width * height;
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            int c = i / plane;

            // Back to 8-bit units: the normalisation is exact arithmetic, so any difference is in the pixels.
            double level = ((actual[i] * plan.Std[c]) + plan.Mean[c]) / plan.Scale;
            worst = Math.Max(worst, Math.Abs(level - expected[i]));
        }

        // PNGs decode to the same bytes as in Pillow, so their resized pixels are exact; JPEG decoders may differ by one level.
        worst.Should().BeLessThan(image.EndsWith(".png", StringComparison.Ordinal) ? 1e-3 : 1.001);
    }
}
