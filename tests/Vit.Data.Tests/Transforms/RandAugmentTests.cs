using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class RandAugmentTests
{
    /// <summary>The factor each image was scaled by (Brightness on a constant 0.2 image: 0.2 · factor, no clipping).</summary>
    private static double[] BrightnessFactors(RandAugmentOptions options, int batch)
    {
        using var images = full(new long[] { batch, 1, 2, 2 }, 0.2f);
        options.Ops = [RandAugmentOp.Brightness];
        options.Probability = 1;
        options.NumLayers = 1;
        using var augment = new RandAugment(options);
        using var output = augment.call(images);
        return [.. Enumerable.Range(0, batch).Select(b => Floats(output[b])[0] / 0.2)];
    }

    private static (double Mean, double Variance) Moments(double[] values)
    {
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    [Theory]
    [InlineData("rand-m9-n2-mstd0.5", 9, 2, 0.5, false, 0.5, 10)]
    [InlineData("rand-m9-mstd0.5-inc1", 9, 2, 0.5, true, 0.5, 10)]
    [InlineData("rand-n3-m7-p0.8-mmax12-inc0", 7, 3, 0, false, 0.8, 12)]
    [InlineData("rand", 10, 2, 0, false, 0.5, 10)]
    public void Parse_TimmConfig_SetsOptions(string config, double magnitude, int layers, double std, bool increasing, double probability, double max)
    {
        var options = RandAugmentOptions.Parse(config);
        options.Magnitude.Should().Be(magnitude);
        options.NumLayers.Should().Be(layers);
        options.MagnitudeStd.Should().Be(std);
        options.Increasing.Should().Be(increasing);
        options.Probability.Should().Be(probability);
        options.MagnitudeMax.Should().Be(max);
    }

    [Theory]
    [InlineData("augmix-m3", "RandAugment config 'augmix-m3' must start with 'rand' (e.g. 'rand-m9-n2-mstd0.5').")]
    [InlineData("rand-m9-x3", "RandAugment config 'rand-m9-x3': section 'x3' is not one of m<magnitude>, n<layers>, p<probability>, mstd<std>, mmax<max>, inc<0|1>.")]
    [InlineData("rand-mfoo", "RandAugment config 'rand-mfoo': section 'mfoo' is not one of m<magnitude>, n<layers>, p<probability>, mstd<std>, mmax<max>, inc<0|1>.")]
    public void Parse_BadConfig_ThrowsNamingTheSection(string config, string message)
    {
        var act = () => RandAugmentOptions.Parse(config);
        act.Should().Throw<FormatException>().Which.Message.Should().Be(message);
    }

    [Theory]
    [InlineData(RandAugmentOp.Rotate, 9, false, false, 27.0)]
    [InlineData(RandAugmentOp.Rotate, 9, true, false, -27.0)]
    [InlineData(RandAugmentOp.Posterize, 9, false, false, 3)]       // int(3.6)
    [InlineData(RandAugmentOp.Posterize, 9, false, true, 1)]        // 4 − int(3.6)
    [InlineData(RandAugmentOp.Posterize, 10, false, true, 0)]
    [InlineData(RandAugmentOp.Solarize, 9, false, false, 230)]      // int(230.4)
    [InlineData(RandAugmentOp.Solarize, 9, false, true, 26)]
    [InlineData(RandAugmentOp.SolarizeAdd, 9, false, false, 99)]
    [InlineData(RandAugmentOp.Contrast, 9, false, false, 1.72)]     // 0.9 · 1.8 + 0.1
    [InlineData(RandAugmentOp.Contrast, 9, false, true, 1.81)]      // 1 + 0.9 · 0.9
    [InlineData(RandAugmentOp.Sharpness, 9, true, true, 0.19)]
    [InlineData(RandAugmentOp.Brightness, 10, true, true, 0.1)]     // max(0.1, 1 − 0.9)
    [InlineData(RandAugmentOp.ShearX, 9, true, false, -0.27)]
    [InlineData(RandAugmentOp.TranslateYRel, 9, false, false, 0.405)]
    [InlineData(RandAugmentOp.Equalize, 9, false, false, 0)]
    public void Argument_Magnitude_IsTimmsLevel(RandAugmentOp op, double magnitude, bool negate, bool increasing, double expected)
    {
        RandAugmentLevels.Argument(op, magnitude, negate, increasing).Should().BeApproximately(expected, 1e-9);
    }

    [Fact]
    public void DefaultOps_ChannelCount_ColorOnlyForRgb()
    {
        RandAugment.DefaultOps(3).Should().HaveCount(15).And.Contain(RandAugmentOp.Color);
        RandAugment.DefaultOps(1).Should().HaveCount(14).And.NotContain(RandAugmentOp.Color);
        using var augment = new RandAugment(new RandAugmentOptions { Ops = [RandAugmentOp.Invert], Seed = 1 });
        augment.GetOps(1).Should().Equal(RandAugmentOp.Invert);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Apply_DefaultOps_ShapeDtypeKeptInputUntouched(int channels)
    {
        using var images = RandomImages(1, 16, channels, 12, 10);
        using var before = images.clone();
        using var augment = new RandAugment(RandAugmentOptions.Parse("rand-m9-n2-mstd0.5"));
        using var output = augment.call(images);
        Same(images, before).Should().BeTrue();
        output.shape.Should().Equal(16, channels, 12, 10);
        output.dtype.Should().Be(ScalarType.Float32);
        Same(output, images).Should().BeFalse();
        using var single = augment.call(images[0]);
        single.shape.Should().Equal(channels, 12, 10);
    }

    [Fact]
    public void Apply_SameSeed_SameOutputOtherSeedDiffers()
    {
        using var images = RandomImages(2, 8, 3, 10, 10);
        RandAugment Create(int seed)
        {
            var options = RandAugmentOptions.Parse("rand-m9-mstd0.5-inc1");
            options.Seed = seed;
            return new RandAugment(options);
        }

        using var a = Create(3);
        using var b = Create(3);
        using var c = Create(4);
        using var outA = a.call(images);
        using var outB = b.call(images);
        using var outC = c.call(images);
        Same(outA, outB).Should().BeTrue();
        Same(outA, outC).Should().BeFalse();
    }

    [Fact]
    public void Apply_GroupedPerOperation_SameAsOneImageAtATime()
    {
        // Images that chose the same operation are gathered, transformed together and scattered back: the result
        // must equal transforming each image alone with its own stream.
        using var images = RandomImages(3, 24, 3, 9, 11);
        using var augment = new RandAugment(new RandAugmentOptions { Magnitude = 9, NumLayers = 3, MagnitudeStd = 0.5, Probability = 0.8, Seed = 5 });
        var streams = SampleStreams.ForSamples(2, 0, 0, [.. Enumerable.Range(100, 24)]);
        using var whole = augment.Apply(images, streams);
        var singles = Enumerable.Range(0, 24).Select(b => augment.Apply(images.narrow(0, b, 1), streams.Slice(b, 1))).ToArray();
        using var stacked = cat(singles, 0);
        Floats(whole).Zip(Floats(stacked), (x, y) => Math.Abs(x - y)).Max().Should().BeLessThan(1e-5f);
        foreach (var single in singles)
        {
            single.Dispose();
        }
    }

    [Fact]
    public void Apply_BatchSplitInHalves_SameAsWhole()
    {
        using var images = RandomImages(4, 10, 1, 12, 12);
        using var augment = new RandAugment(RandAugmentOptions.Parse("rand-m9-n2-mstd0.5"));
        var streams = SampleStreams.ForSamples(seed: 4, epoch: 1, batchIndex: 0, [7, 3, 9, 0, 12, 5, 1, 8, 2, 11]);
        var (whole, halves) = WholeAndHalves(augment, images, streams);
        using (whole)
        using (halves)
        {
            Same(whole, halves).Should().BeTrue();
            Same(whole, images).Should().BeFalse();
        }
    }

    [Fact]
    public void Apply_TwoLayersOfInvert_EachAppliedIndependentlyWithProbability()
    {
        // One layer inverts with p = 0.3; two layers leave an image inverted when exactly one fires: 2 · 0.3 · 0.7.
        const int Batch = 2000;
        using var images = full(new long[] { Batch, 1, 1, 1 }, 0.25f);
        using var augment = new RandAugment(new RandAugmentOptions { Ops = [RandAugmentOp.Invert], NumLayers = 2, Probability = 0.3, Seed = 6 });
        using var output = augment.call(images);
        float[] values = Floats(output);
        values.Should().OnlyContain(v => v == 0.25f || v == 0.75f);
        double inverted = values.Count(v => v == 0.75f) / (double)Batch;
        inverted.Should().BeApproximately(0.42, 4 * Math.Sqrt(0.42 * 0.58 / Batch));
    }

    [Fact]
    public void Apply_TwoOps_ChosenUniformlyPerImage()
    {
        // Invert gives 0.8 from 0.2; Brightness at magnitude 0 scales by 0.1 → 0.02.
        const int Batch = 2000;
        using var images = full(new long[] { Batch, 1, 1, 1 }, 0.2f);
        using var augment = new RandAugment(new RandAugmentOptions { Ops = [RandAugmentOp.Invert, RandAugmentOp.Brightness], Magnitude = 0, NumLayers = 1, Probability = 1, Seed = 7 });
        using var output = augment.call(images);
        float[] values = Floats(output);
        values.Should().OnlyContain(v => Math.Abs(v - 0.8f) < 1e-6f || Math.Abs(v - 0.02f) < 1e-6f);
        (values.Count(v => v > 0.5f) / (double)Batch).Should().BeApproximately(0.5, 4 * Math.Sqrt(0.25 / Batch));
    }

    [Fact]
    public void Apply_MagnitudeStd_GaussianAroundMagnitude()
    {
        // Brightness factor = m/10 · 1.8 + 0.1: 1.0 at m = 5; with mstd 1 the factor's sd is 0.18.
        double[] factors = BrightnessFactors(new RandAugmentOptions { Magnitude = 5, MagnitudeStd = 1, Seed = 8 }, 4000);
        var (mean, variance) = Moments(factors);
        mean.Should().BeApproximately(1.0, 4 * 0.18 / Math.Sqrt(4000));
        Math.Sqrt(variance).Should().BeApproximately(0.18, 0.01);
    }

    [Fact]
    public void Apply_MagnitudeAboveMax_ClippedToMax()
    {
        // m ~ N(10, 2²) clipped to [0, 10]: half the draws sit at 10 (factor 1.9).
        double[] factors = BrightnessFactors(new RandAugmentOptions { Magnitude = 10, MagnitudeStd = 2, Seed = 9 }, 2000);
        factors.Should().OnlyContain(f => f <= 1.9 + 1e-5);
        (factors.Count(f => Math.Abs(f - 1.9) < 1e-5) / 2000.0).Should().BeApproximately(0.5, 4 * Math.Sqrt(0.25 / 2000));
    }

    [Fact]
    public void Apply_MagnitudeStdAbove100_UniformMagnitude()
    {
        // m ~ U(0, 10): the factor is uniform in [0.1, 1.9], mean 1, variance 1.8² / 12 = 0.27.
        double[] factors = BrightnessFactors(new RandAugmentOptions { Magnitude = 10, MagnitudeStd = 101, Seed = 10 }, 4000);
        var (mean, variance) = Moments(factors);
        factors.Should().OnlyContain(f => f >= 0.1 - 1e-5 && f <= 1.9 + 1e-5);
        mean.Should().BeApproximately(1.0, 4 * Math.Sqrt(0.27 / 4000));
        variance.Should().BeApproximately(0.27, 0.03);
    }

    [Fact]
    public void Apply_IncreasingLevels_RandomSignPerImage()
    {
        // Increasing Brightness at m = 5: factor 1 ± 0.45, each sign half the time.
        double[] factors = BrightnessFactors(new RandAugmentOptions { Magnitude = 5, Increasing = true, Seed = 11 }, 2000);
        factors.Should().OnlyContain(f => Math.Abs(f - 1.45) < 1e-5 || Math.Abs(f - 0.55) < 1e-5);
        (factors.Count(f => f > 1) / 2000.0).Should().BeApproximately(0.5, 4 * Math.Sqrt(0.25 / 2000));
    }

    [Fact]
    public void Apply_TranslateFullMagnitude_UncoveredColumnsGetFill()
    {
        // TranslateXRel at m = 10 moves by 45% of the width (±7.2 px of 16): 7 columns on one side become the fill.
        using var images = ones(20, 1, 4, 16);
        using var augment = new RandAugment(new RandAugmentOptions { Ops = [RandAugmentOp.TranslateXRel], NumLayers = 1, Probability = 1, FillValue = [0.25f], Seed = 12 });
        using var output = augment.call(images);
        int left = 0, right = 0;
        for (int b = 0; b < 20; b++)
        {
            float[] row = Floats(output[b][0][0]);
            row.Count(v => v == 0.25f).Should().Be(7);
            left += row[0] == 0.25f ? 1 : 0;
            right += row[15] == 0.25f ? 1 : 0;
        }

        left.Should().BeGreaterThan(0, "some images move right");
        right.Should().BeGreaterThan(0, "some move left");
    }

    [Fact]
    public void Apply_NoLayersOrNeverApplied_ImagesKept()
    {
        using var images = RandomImages(13, 4, 3, 6, 6);
        using var none = new RandAugment(new RandAugmentOptions { NumLayers = 0, Seed = 13 });
        using var never = new RandAugment(new RandAugmentOptions { Probability = 0, Seed = 13 });
        using var a = none.call(images);
        using var b = never.call(images);
        Same(a, images).Should().BeTrue();
        Same(b, images).Should().BeTrue();
        a.Handle.Should().NotBe(images.Handle);
    }

    [Fact]
    public void Apply_ColorOnGrayscale_ThrowsAndIntegerImagesThrow()
    {
        using var gray = zeros(2, 1, 8, 8);
        using var color = new RandAugment(new RandAugmentOptions { Ops = [RandAugmentOp.Color, RandAugmentOp.Invert], Seed = 14 });
        var act = () => color.call(gray);
        act.Should().Throw<ArgumentException>().WithMessage(
            "RandAugment's Color operation needs 3-channel (RGB) images; got 1 channel(s). Leave Ops null to use the operations that fit.*");
        using var bytes = zeros([2, 3, 8, 8], ScalarType.Byte);
        using var augment = new RandAugment(new RandAugmentOptions { Seed = 15 });
        var integer = () => augment.call(bytes);
        integer.Should().Throw<ArgumentException>().WithMessage("RandAugment takes floating-point images in [0, 1]; got Byte.*");
    }

    [Fact]
    public void Constructor_BadOptions_ThrowNamingValueAndRange()
    {
        var act = () => new RandAugment(new RandAugmentOptions
        {
            Magnitude = -1, NumLayers = -2, Probability = 1.5, MagnitudeStd = double.NaN, MagnitudeMax = 0, Ops = [RandAugmentOp.Invert, (RandAugmentOp)99], FillValue = [],
        });
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "RandAugmentOptions.Magnitude is -1 but must be a finite number of at least 0",
            "RandAugmentOptions.NumLayers is -2 but must be at least 0",
            "RandAugmentOptions.Probability is 1.5 but must be in [0, 1]",
            "RandAugmentOptions.MagnitudeStd is NaN but must be a finite number of at least 0",
            "RandAugmentOptions.MagnitudeMax is 0 but must be a finite number greater than 0",
            "RandAugmentOptions.FillValue is [] but must be null or have at least 1 item",
            "RandAugmentOptions.Ops is [Invert, 99] but every item must be one of AutoContrast, Equalize, Invert, Rotate, Posterize, Solarize, SolarizeAdd, Color, Contrast, Brightness, Sharpness, ShearX, ShearY, TranslateXRel, TranslateYRel (item 1 is 99)");
        var empty = () => new RandAugment(new RandAugmentOptions { Ops = [] });
        empty.Should().Throw<OptionsValidationException>().Which.Message.Should().Be("RandAugmentOptions.Ops is [] but must be null or have at least 1 item");
    }
}
