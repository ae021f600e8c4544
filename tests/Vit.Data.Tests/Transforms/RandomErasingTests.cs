using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class RandomErasingTests
{
    /// <summary>The erased pixels (value 0 on an all-ones image) of image b as (rows, cols, count).</summary>
    private static (int Rows, int Cols, int Count) Box(float[] values, int b, int size)
    {
        int count = 0, minY = size, maxY = -1, minX = size, maxX = -1;
        for (int p = 0; p < size * size; p++)
        {
            if (values[(b * size * size) + p] == 0f)
            {
                count++;
                (minY, maxY, minX, maxX) = (Math.Min(minY, p / size), Math.Max(maxY, p / size), Math.Min(minX, p % size), Math.Max(maxX, p % size));
            }
        }

        return count == 0 ? (0, 0, 0) : (maxY - minY + 1, maxX - minX + 1, count);
    }

    [Fact]
    public void Apply_OneBoxAlways_ErasedAreaFractionAndAspectAsTimm()
    {
        // timm's sampling on 40x40 (area U(0.02, 1/3), aspect log-U(0.3, 3.33), rounded sides, strictly inside):
        // a Python simulation of timm's loop over 200,000 draws gives a mean erased fraction of 0.1754.
        const int Batch = 500, Size = 40;
        using var images = ones(Batch, 1, Size, Size);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, Seed = 1 });
        using var output = erasing.call(images);
        float[] values = Floats(output);
        var fractions = new List<double>();
        int tall = 0, wide = 0;
        for (int b = 0; b < Batch; b++)
        {
            var (rows, cols, count) = Box(values, b, Size);
            count.Should().Be(rows * cols, $"image {b}'s erased pixels form one rectangle");
            rows.Should().BeLessThan(Size);
            cols.Should().BeLessThan(Size);
            double fraction = (double)count / (Size * Size);
            fraction.Should().BeInRange(0.02 - 0.01, (1.0 / 3) + 0.03, "rounding the sides moves the area a little");
            ((double)rows / cols).Should().BeInRange(0.25, 4.0);
            tall += rows > 2 * cols ? 1 : 0;
            wide += cols > 2 * rows ? 1 : 0;
            fractions.Add(fraction);
        }

        fractions.Average().Should().BeApproximately(0.1754, 4 * 0.096 / Math.Sqrt(Batch));
        tall.Should().BeGreaterThan(Batch / 10);
        wide.Should().BeGreaterThan(Batch / 10);
    }

    [Fact]
    public void Apply_Probability_FractionOfErasedImagesMatches()
    {
        const int Batch = 1000;
        using var images = ones(Batch, 1, 12, 12);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 0.3, Seed = 2 });
        using var output = erasing.call(images);
        float[] values = Floats(output);
        int erased = Enumerable.Range(0, Batch).Count(b => Box(values, b, 12).Count > 0);
        ((double)erased / Batch).Should().BeApproximately(0.3, 4 * Math.Sqrt(0.21 / Batch));
    }

    [Fact]
    public void Apply_Images_InputUntouchedShapeAndDtypeKept()
    {
        using var images = RandomImages(3, 6, 3, 10, 14).to(ScalarType.Float64);
        using var before = images.clone();
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, Mode = RandomErasingMode.Pixel, Seed = 3 });
        using var output = erasing.call(images);
        Same(images, before).Should().BeTrue();
        output.shape.Should().Equal(6, 3, 10, 14);
        output.dtype.Should().Be(ScalarType.Float64);
        Same(output, images).Should().BeFalse();
        using var single = erasing.call(images[0]);
        single.shape.Should().Equal(3, 10, 14);
    }

    [Fact]
    public void Apply_SameSeed_SameOutputOtherSeedDiffers()
    {
        using var images = RandomImages(4, 8, 1, 16, 16);
        RandomErasing Create(int seed) => new(new RandomErasingOptions { Probability = 1, Mode = RandomErasingMode.Pixel, Seed = seed });
        using var a = Create(4);
        using var b = Create(4);
        using var c = Create(5);
        using var outA = a.call(images);
        using var outB = b.call(images);
        using var outC = c.call(images);
        Same(outA, outB).Should().BeTrue();
        Same(outA, outC).Should().BeFalse();
    }

    [Fact]
    public void Apply_RandMode_OneNormalColourPerBoxAndChannel()
    {
        const int Batch = 400;
        using var images = full(new long[] { Batch, 3, 12, 12 }, 100f);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, Mode = RandomErasingMode.Rand, Seed = 6 });
        using var output = erasing.call(images);
        float[] values = Floats(output);
        var colours = new List<double>();
        for (int b = 0; b < Batch; b++)
        {
            var perChannel = new List<float>();
            for (int c = 0; c < 3; c++)
            {
                var erased = values.Skip(((b * 3) + c) * 144).Take(144).Where(v => v != 100f).Distinct().ToList();
                erased.Should().HaveCount(1, $"image {b} channel {c} has one colour in its box");
                perChannel.Add(erased[0]);
            }

            perChannel.Distinct().Should().HaveCount(3);
            colours.AddRange(perChannel.Select(v => (double)v));
        }

        double mean = colours.Average(), variance = colours.Sum(v => (v - mean) * (v - mean)) / (colours.Count - 1);
        mean.Should().BeApproximately(0, 4 / Math.Sqrt(colours.Count));
        variance.Should().BeApproximately(1, 4 * Math.Sqrt(2.0 / colours.Count));
    }

    [Fact]
    public void Apply_PixelMode_StandardNormalNoiseInTheBox()
    {
        using var images = full(new long[] { 50, 2, 20, 20 }, 100f);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, Mode = RandomErasingMode.Pixel, Seed = 7 });
        using var output = erasing.call(images);
        var noise = Floats(output).Where(v => v != 100f).Select(v => (double)v).ToList();
        noise.Count.Should().BeGreaterThan(50 * 2 * 20);
        double mean = noise.Average(), variance = noise.Sum(v => (v - mean) * (v - mean)) / (noise.Count - 1);
        mean.Should().BeApproximately(0, 4 / Math.Sqrt(noise.Count));
        variance.Should().BeApproximately(1, 0.05);
        noise.Distinct().Count().Should().BeGreaterThan(noise.Count * 9 / 10);
    }

    [Fact]
    public void Apply_UpToThreeBoxes_OneToThreeColoursPerImage()
    {
        const int Batch = 600;
        using var images = full(new long[] { Batch, 1, 24, 24 }, 100f);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, Mode = RandomErasingMode.Rand, MaxCount = 3, Seed = 8 });
        using var output = erasing.call(images);
        float[] values = Floats(output);
        int[] histogram = new int[4];
        for (int b = 0; b < Batch; b++)
        {
            int colours = values.Skip(b * 576).Take(576).Where(v => v != 100f).Distinct().Count();
            colours.Should().BeInRange(1, 3);
            histogram[colours]++;
        }

        // Counts 1, 2, 3 are equally likely; a later box can cover an earlier one whole, so 3 is seen a little less.
        histogram[1].Should().BeInRange(Batch / 5, Batch / 2);
        histogram[2].Should().BeInRange(Batch / 5, Batch / 2);
        histogram[3].Should().BeInRange(Batch / 6, Batch / 2);
    }

    [Fact]
    public void Apply_ConstModeFillPerChannel_WritesEachChannelsValue()
    {
        using var images = ones(20, 2, 10, 10);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, FillValue = [0.25f, -3f], Seed = 9 });
        using var output = erasing.call(images);
        Floats(output.select(1, 0)).Distinct().Should().BeEquivalentTo([1f, 0.25f]);
        Floats(output.select(1, 1)).Distinct().Should().BeEquivalentTo([1f, -3f]);
        Same(output.select(1, 0).eq(0.25f), output.select(1, 1).eq(-3f)).Should().BeTrue("both channels erase the same box");
    }

    [Fact]
    public void Apply_Batch_BoxesDifferBetweenImages()
    {
        using var images = ones(32, 1, 20, 20);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 1, Seed = 10 });
        using var output = erasing.call(images);
        Enumerable.Range(0, 32).Select(b => string.Concat(Floats(output[b]).Select(v => v == 0 ? '1' : '0'))).Distinct().Should().HaveCount(32);
    }

    [Theory]
    [InlineData(RandomErasingMode.Const)]
    [InlineData(RandomErasingMode.Rand)]
    [InlineData(RandomErasingMode.Pixel)]
    public void Apply_BatchSplitInHalves_SameAsWhole(RandomErasingMode mode)
    {
        using var images = RandomImages(11, 10, 2, 12, 12);
        using var erasing = new RandomErasing(new RandomErasingOptions { Probability = 0.7, Mode = mode, MaxCount = 2, Seed = 11 });
        var streams = SampleStreams.ForSamples(seed: 4, epoch: 1, batchIndex: 0, [7, 3, 9, 0, 12, 5, 1, 8, 2, 11]);
        var (whole, halves) = WholeAndHalves(erasing, images, streams);
        using (whole)
        using (halves)
        {
            Same(whole, halves).Should().BeTrue();
            Same(whole, images).Should().BeFalse();
        }
    }

    [Fact]
    public void Apply_IntegerImages_Throw()
    {
        using var images = zeros([2, 1, 8, 8], ScalarType.Byte);
        using var erasing = new RandomErasing(new RandomErasingOptions { Seed = 12 });
        var act = () => erasing.call(images);
        act.Should().Throw<ArgumentException>().WithMessage("RandomErasing takes floating-point images; got Byte.*");
        using var flat = zeros(4, 4);
        var twoDimensional = () => erasing.call(flat);
        twoDimensional.Should().Throw<ArgumentException>().WithMessage("RandomErasing takes images [C, H, W] or [B, C, H, W]; got shape [4, 4].*");
    }

    [Fact]
    public void Apply_FillValueWrongChannelCount_Throws()
    {
        using var images = ones(1, 3, 8, 8);
        using var erasing = new RandomErasing(new RandomErasingOptions { FillValue = [0f, 0f], Seed = 13 });
        var act = () => erasing.call(images);
        act.Should().Throw<ArgumentException>().WithMessage("FillValue has 2 values but the images have 3 channels.*");
    }

    [Fact]
    public void Constructor_BadOptions_ThrowNamingValueAndRange()
    {
        var act = () => new RandomErasing(new RandomErasingOptions
        {
            Probability = 1.2, MinArea = 0, MaxArea = 1.5, MinAspect = -1, MaxAspect = 0, Mode = (RandomErasingMode)5, MinCount = 0, MaxCount = 0, FillValue = [],
        });
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "RandomErasingOptions.Probability is 1.2 but must be in [0, 1]",
            "RandomErasingOptions.MinArea is 0 but must be in (0, 1]",
            "RandomErasingOptions.MaxArea is 1.5 but must be in (0, 1]",
            "RandomErasingOptions.MinAspect is -1 but must be a finite number greater than 0",
            "RandomErasingOptions.MaxAspect is 0 but must be null or a finite number greater than 0",
            "RandomErasingOptions.Mode is 5 but must be one of Const, Rand, Pixel",
            "RandomErasingOptions.MinCount is 0 but must be at least 1",
            "RandomErasingOptions.MaxCount is 0 but must be null or at least 1",
            "RandomErasingOptions.FillValue is [] but must be null or have at least 1 item");
        var crossed = () => new RandomErasing(new RandomErasingOptions { MinArea = 0.5, MaxArea = 0.2, MinAspect = 2, MaxAspect = 1, MinCount = 3, MaxCount = 2 });
        crossed.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "RandomErasingOptions.MinArea is 0.5 and MaxArea is 0.2, but MinArea must be at most MaxArea",
            "RandomErasingOptions.MinAspect is 2 and MaxAspect is 1, but MinAspect must be at most MaxAspect",
            "RandomErasingOptions.MinCount is 3 and MaxCount is 2, but MinCount must be at most MaxCount");
    }
}
