using FluentAssertions;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class RandomResizedCropTests
{
    private static double[] Uniforms(double value) => Enumerable.Repeat(value, 40).ToArray();

    [Fact]
    public void ChooseWindow_ScaleIsAreaFraction()
    {
        // A quarter of the area of 64x64 is 32x32 (TorchVision 0.107 wrongly took scale as a side fraction: 16x16).
        using var crop = new RandomResizedCrop(8, 8, minScale: 0.25, maxScale: 0.25, minRatio: 1, maxRatio: 1, seed: 1);
        crop.ChooseWindow(64, 64, Uniforms(0.5)).Should().Be((16, 16, 32, 32)); // top = floor(0.5 x 33)
        crop.ChooseWindow(64, 64, Uniforms(0.0)).Should().Be((0, 0, 32, 32));
        crop.ChooseWindow(64, 64, Uniforms(0.9999)).Should().Be((32, 32, 32, 32));
    }

    [Fact]
    public void ChooseWindow_AspectRatioIsWidthOverHeight()
    {
        // Half of 64x64 = 2048 px at ratio 2: w = sqrt(4096) = 64, h = sqrt(1024) = 32.
        using var crop = new RandomResizedCrop(8, 8, minScale: 0.5, maxScale: 0.5, minRatio: 2, maxRatio: 2, seed: 1);
        crop.ChooseWindow(64, 64, Uniforms(0.0)).Should().Be((0, 0, 32, 64));
    }

    [Fact]
    public void ChooseWindow_NoAttemptFits_CentredWindowWithClampedRatio()
    {
        // Whole area at ratio ≥ 2 never fits a square: fall back to width 40, height round(40 / 2) = 20, centred.
        using var crop = new RandomResizedCrop(8, 8, minScale: 1, maxScale: 1, minRatio: 2, maxRatio: 3, seed: 1);
        crop.ChooseWindow(40, 40, Uniforms(0.3)).Should().Be((10, 0, 20, 40));
    }

    [Fact]
    public void ChooseWindow_DefaultRanges_WindowsRespectScaleAndRatio()
    {
        using var crop = new RandomResizedCrop(8, 8, seed: 1);
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            double[] u = Enumerable.Range(0, 40).Select(_ => random.NextDouble()).ToArray();
            var (top, left, h, w) = crop.ChooseWindow(100, 120, u);
            (top >= 0 && left >= 0 && top + h <= 100 && left + w <= 120).Should().BeTrue();
            double area = (double)h * w / (100 * 120);
            area.Should().BeInRange(0.075, 1.0); // 0.08 less rounding of both sides
            ((double)w / h).Should().BeInRange(0.70, 1.43); // [3/4, 4/3] widened for rounding
        }
    }

    [Fact]
    public void Apply_FullWindowSameSize_ReturnsInput()
    {
        using var images = RandomImages(1, 2, 3, 16, 16);
        using var crop = new RandomResizedCrop(16, 16, minScale: 1, maxScale: 1, minRatio: 1, maxRatio: 1, seed: 1);
        using var output = crop.call(images);
        output.allclose(images, rtol: 0, atol: 1e-6).Should().BeTrue();
        output.Handle.Should().NotBe(images.Handle);
    }

    [Fact]
    public void Apply_Downscale_IsAntialiased()
    {
        // Every 4th column is 1. Shrinking 4x with antialiasing is a triangle filter 4 px wide each side, weights
        // normalised within the image: output column j is centred at 4j + 1.5, so inside it sees ones at distances
        // 1.5 and 2.5 of 8 weights summing to 4: (0.625 + 0.375) / 4 = 0.25. At the left edge the filter is cut to
        // pixels 0..5 (weights sum 3.5) holding ones at 0 and 4: 1 / 3.5. At the right edge, pixels 58..63 with a one
        // at 60: 0.625 / 3.5. Plain bilinear would sample between columns and return 0 everywhere.
        using var image = zeros(1, 1, 64, 64);
        image[.., .., .., TensorIndex.Slice(0, 64, 4)] = tensor(1f);
        using var crop = new RandomResizedCrop(16, 16, minScale: 1, maxScale: 1, minRatio: 1, maxRatio: 1, seed: 1);
        using var output = crop.call(image);
        float[] values = Floats(output);
        for (int i = 0; i < values.Length; i++)
        {
            int column = i % 16;
            float expected = column == 0 ? 1f / 3.5f : column == 15 ? 0.625f / 3.5f : 0.25f;
            values[i].Should().BeApproximately(expected, 1e-5f, $"column {column}");
        }
    }

    [Fact]
    public void Apply_Batch_EachImageGetsItsOwnWindow()
    {
        using var ramp = arange(0, 32 * 32, dtype: ScalarType.Float32).view(1, 1, 32, 32).div(1024f);
        using var images = ramp.expand(8, 3, 32, 32).contiguous();
        using var crop = new RandomResizedCrop(16, 16, seed: 4);
        using var output = crop.call(images);
        output.shape.Should().Equal(8, 3, 16, 16);
        Enumerable.Range(1, 7).Count(b => !Same(output[b], output[0])).Should().BeGreaterThan(5);
    }

    [Fact]
    public void Apply_IntegerImages_Throws()
    {
        using var images = zeros(new long[] { 1, 1, 8, 8 }, ScalarType.Byte);
        using var crop = new RandomResizedCrop(4, 4, seed: 1);
        var act = () => crop.call(images);
        act.Should().Throw<ArgumentException>().WithMessage("RandomResizedCrop takes floating-point images*");
    }

    [Fact]
    public void Constructor_BadScale_Throws()
    {
        var act = () => new RandomResizedCrop(8, 8, minScale: 0.5, maxScale: 0.2);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Scale must satisfy 0 < min ≤ max ≤ 1; got [0.5, 0.2]*");
    }

    [Fact]
    public void Apply_BatchSplitInHalves_SameAsWhole()
    {
        // Streams keyed by dataset index (not position): the halves of a batch come out as they do in the whole.
        using var images = RandomImages(20, 10, 3, 16, 12);
        using var transform = new RandomResizedCrop(8, 8, seed: 1);
        var streams = SampleStreams.ForSamples(seed: 4, epoch: 1, batchIndex: 0, [7, 3, 9, 0, 12, 5, 1, 8, 2, 11]);
        var (whole, halves) = WholeAndHalves(transform, images, streams);
        using (whole)
        using (halves)
        {
            Same(whole, halves).Should().BeTrue();
            Same(whole, images).Should().BeFalse("the transform changed something");
        }

        using var moved = transform.Apply(images.narrow(0, 2, 1), SampleStreams.ForSamples(4, 1, 5, [9]));
        using var inWhole = transform.Apply(images, streams);
        Same(moved, inWhole.narrow(0, 2, 1)).Should().BeTrue("sample 9 is augmented alike wherever it sits");
    }
}
