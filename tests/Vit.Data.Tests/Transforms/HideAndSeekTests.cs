using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class HideAndSeekTests
{
    /// <summary>Hidden mask [B, H, W] of an all-ones single-channel batch filled with 0.</summary>
    private static bool[,,] Mask(Tensor output)
    {
        long b = output.shape[0], h = output.shape[2], w = output.shape[3];
        float[] values = Floats(output);
        var mask = new bool[b, h, w];
        for (int i = 0; i < values.Length; i++)
        {
            mask[i / (h * w), i / w % h, i % w] = values[i] == 0f;
        }

        return mask;
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.3)]
    public void Apply_ManyCells_HiddenFractionMatchesProbability(double probability)
    {
        using var images = ones(64, 1, 32, 32);
        using var hs = new HideAndSeek(new HideAndSeekOptions { GridSizes = [4], HideProbability = probability, Seed = 1 });
        using var output = hs.call(images);
        var mask = Mask(output);

        // 64 images x 8 x 8 cells, read at each cell's top-left pixel.
        int hidden = 0, cells = 0;
        for (int b = 0; b < 64; b++)
        {
            for (int y = 0; y < 32; y += 4)
            {
                for (int x = 0; x < 32; x += 4)
                {
                    cells++;
                    hidden += mask[b, y, x] ? 1 : 0;
                }
            }
        }

        double fraction = (double)hidden / cells;
        double standardError = Math.Sqrt(probability * (1 - probability) / cells); // 0.0078 at p = 0.5
        fraction.Should().BeApproximately(probability, 4 * standardError);
    }

    [Fact]
    public void Apply_GridChoice_IsPerImageAndUniform()
    {
        // Sizes 3 and 7 on 21x21 are told apart by their masks: a 7-cell mask is constant on 7x7 blocks, a 3-cell
        // mask almost never is. Each image picks independently, so about half of 400 images use each size.
        using var images = ones(400, 1, 21, 21);
        using var hs = new HideAndSeek(new HideAndSeekOptions { GridSizes = [3, 7], Seed = 2 });
        using var output = hs.call(images);
        var mask = Mask(output);
        int sevens = 0, threes = 0;
        for (int b = 0; b < 400; b++)
        {
            bool fitsSeven = true, fitsThree = true;
            for (int y = 0; y < 21; y++)
            {
                for (int x = 0; x < 21; x++)
                {
                    fitsSeven &= mask[b, y, x] == mask[b, y / 7 * 7, x / 7 * 7];
                    fitsThree &= mask[b, y, x] == mask[b, y / 3 * 3, x / 3 * 3];
                }
            }

            (fitsSeven || fitsThree).Should().BeTrue("every mask is made of 3x3 or of 7x7 cells");
            if (fitsSeven)
            {
                sevens++;
            }
            else
            {
                threes++;
            }
        }

        // P(a 3-cell mask also fits the 7-grid) is negligible, so sevens estimates the 1/2 choice: SE = 0.025.
        ((double)sevens / 400).Should().BeApproximately(0.5, 4 * 0.025);
        threes.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Apply_Batch_MasksDifferBetweenImages()
    {
        using var images = ones(16, 1, 32, 32);
        using var hs = new HideAndSeek(new HideAndSeekOptions { GridSizes = [4], Seed = 3 });
        using var output = hs.call(images);
        var masks = Enumerable.Range(0, 16).Select(b => string.Concat(Floats(output[b]).Select(v => v == 0 ? '1' : '0'))).ToList();
        masks.Distinct().Should().HaveCount(16);
    }

    [Fact]
    public void Apply_NonSquareRgb_HiddenPixelsEqualFillAndVisibleUntouched()
    {
        using var images = RandomImages(4, 8, 3, 20, 28);
        float[] fill = [0.1f, -0.2f, 0.3f];
        using var hs = new HideAndSeek(new HideAndSeekOptions { GridSizes = [6], FillValue = fill, Seed = 4 });
        using var output = hs.call(images);
        output.shape.Should().Equal(8, 3, 20, 28);
        float[] input = Floats(images), result = Floats(output);
        int plane = 20 * 28, hiddenPixels = 0;
        for (int b = 0; b < 8; b++)
        {
            for (int p = 0; p < plane; p++)
            {
                int at(int c) => (((b * 3) + c) * plane) + p;
                bool untouched = Enumerable.Range(0, 3).All(c => result[at(c)] == input[at(c)]);
                bool filled = Enumerable.Range(0, 3).All(c => result[at(c)] == fill[c]);
                (untouched ^ filled).Should().BeTrue($"pixel {p} of image {b} is either kept in every channel or filled in every channel");
                hiddenPixels += filled ? 1 : 0;
            }
        }

        hiddenPixels.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Apply_CellsAlignToGridWithClippedEdges()
    {
        // 23x17 with S = 5: cells are 5x5 except the bottom row (3 rows) and right column (2 columns).
        using var images = ones(32, 1, 23, 17);
        using var hs = new HideAndSeek(new HideAndSeekOptions { GridSizes = [5], Seed = 5 });
        using var output = hs.call(images);
        var mask = Mask(output);
        bool edgeCellHidden = false;
        for (int b = 0; b < 32; b++)
        {
            for (int y = 0; y < 23; y++)
            {
                for (int x = 0; x < 17; x++)
                {
                    mask[b, y, x].Should().Be(mask[b, y / 5 * 5, x / 5 * 5]);
                }
            }

            edgeCellHidden |= mask[b, 22, 16];
        }

        edgeCellHidden.Should().BeTrue("the clipped corner cell is hidden in some of the 32 images (P(never) = 2^-32)");
    }

    [Fact]
    public void Apply_GridSizeZero_LeavesImagesUnchanged()
    {
        using var images = RandomImages(6, 4, 3, 16, 16);
        using var hs = new HideAndSeek(new HideAndSeekOptions { GridSizes = [0], Seed = 6 });
        using var output = hs.call(images);
        Same(output, images).Should().BeTrue();
        output.Handle.Should().NotBe(images.Handle);
    }

    [Fact]
    public void Apply_AnyInput_InputUnchanged()
    {
        using var images = RandomImages(7, 4, 3, 16, 16);
        using var before = images.clone();
        using var hs = new HideAndSeek(new HideAndSeekOptions { HideProbability = 1, Seed = 7 });
        using var output = hs.call(images);
        Same(images, before).Should().BeTrue();
        Same(output, images).Should().BeFalse();
    }

    [Fact]
    public void Apply_SameSeed_SameOutputAndOtherSeedDiffers()
    {
        using var images = RandomImages(8, 8, 1, 28, 28);
        using var a = new HideAndSeek(new HideAndSeekOptions { Seed = 42 });
        using var b = new HideAndSeek(new HideAndSeekOptions { Seed = 42 });
        using var c = new HideAndSeek(new HideAndSeekOptions { Seed = 43 });
        using var outA = a.call(images);
        using var outB = b.call(images);
        using var outC = c.call(images);
        Same(outA, outB).Should().BeTrue();
        Same(outA, outC).Should().BeFalse();

        using var g1 = new Generator(99, CPU);
        using var g2 = new Generator(99, CPU);
        using var viaGen1 = a.Apply(images, g1);
        using var viaGen2 = c.Apply(images, g2);
        Same(viaGen1, viaGen2).Should().BeTrue("Apply draws only from the generator it is given");
    }

    [Fact]
    public void Apply_SingleImage_KeepsShape()
    {
        using var image = RandomImages(9, 3, 24, 30);
        using var hs = new HideAndSeek(new HideAndSeekOptions { HideProbability = 1, GridSizes = [8], FillValue = [0.5f], Seed = 9 });
        using var output = hs.call(image);
        output.shape.Should().Equal(3, 24, 30);
        Floats(output).Should().OnlyContain(v => v == 0.5f);
    }

    [Fact]
    public void Apply_Uint8Images_FillsInSameDtype()
    {
        using var images = full(new long[] { 2, 1, 8, 8 }, 200, ScalarType.Byte);
        using var hs = new HideAndSeek(new HideAndSeekOptions { HideProbability = 1, GridSizes = [4], FillValue = [17f], Seed = 10 });
        using var output = hs.call(images);
        output.dtype.Should().Be(ScalarType.Byte);
        Longs(output).Should().OnlyContain(v => v == 17);
    }

    [Fact]
    public void Call_InCompose_Works()
    {
        using var images = ones(2, 1, 8, 8);
        using var hs = new HideAndSeek(new HideAndSeekOptions { HideProbability = 1, GridSizes = [2], Seed = 11 });
        var pipeline = torchvision.transforms.Compose(new Normalize([0.5f], [0.5f]), hs);
        using var output = pipeline.call(images);
        Floats(output).Should().OnlyContain(v => v == 0f);
    }

    [Theory]
    [InlineData(224, 224, new[] { 0, 16, 32, 44, 56 })]
    [InlineData(28, 28, new[] { 0, 2, 4, 6, 7 })] // 44 x 28 / 224 = 5.5, rounded away from zero
    [InlineData(32, 48, new[] { 0, 2, 5, 6, 8 })] // shorter side 32: 2.29, 4.57, 6.29, 8
    [InlineData(4, 4, new[] { 0, 1, 1, 1, 1 })]
    public void DefaultGridSizes_ImageSize_ScalesPaperSet(int height, int width, int[] expected)
    {
        HideAndSeek.DefaultGridSizes(height, width).Should().Equal(expected);
    }

    [Fact]
    public void Apply_FillValueWrongChannelCount_Throws()
    {
        using var images = ones(1, 3, 8, 8);
        using var hs = new HideAndSeek(new HideAndSeekOptions { FillValue = [0f, 0f], Seed = 12 });
        var act = () => hs.call(images);
        act.Should().Throw<ArgumentException>().WithMessage("FillValue has 2 values but the images have 3 channels.*");
    }

    [Theory]
    [InlineData(-0.1, "-0.1")]
    [InlineData(1.5, "1.5")]
    [InlineData(double.NaN, "NaN")]
    public void Constructor_ProbabilityOutOfRange_Throws(double probability, string shown)
    {
        var act = () => new HideAndSeek(new HideAndSeekOptions { HideProbability = probability });
        act.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be($"HideAndSeekOptions.HideProbability is {shown} but must be in [0, 1]");
    }

    [Fact]
    public void Constructor_BadGridSizes_Throw()
    {
        var empty = () => new HideAndSeek(new HideAndSeekOptions { GridSizes = [] });
        var negative = () => new HideAndSeek(new HideAndSeekOptions { GridSizes = [16, -4] });
        empty.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("HideAndSeekOptions.GridSizes is [] but must be null or have at least 1 item");
        negative.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("HideAndSeekOptions.GridSizes is [16, -4] but every item must be at least 0 (item 1 is -4)");
    }

    [Fact]
    public void Constructor_BadFillValue_Throws()
    {
        var empty = () => new HideAndSeek(new HideAndSeekOptions { FillValue = [] });
        var nan = () => new HideAndSeek(new HideAndSeekOptions { FillValue = [float.NaN] });
        var infinite = () => new HideAndSeek(new HideAndSeekOptions { FillValue = [0.5f, float.PositiveInfinity, 0f] });
        empty.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("HideAndSeekOptions.FillValue is [] but must be null or have at least 1 item");
        nan.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("HideAndSeekOptions.FillValue is [NaN] but every item must be a finite number (item 0 is NaN)");
        infinite.Should().Throw<OptionsValidationException>().Which.Message
            .Should().Be("HideAndSeekOptions.FillValue is [0.5, Infinity, 0] but every item must be a finite number (item 1 is Infinity)");
    }

    [SkippableFact]
    public void Apply_Cuda_SameMasksAsCpu()
    {
        Skip.IfNot(cuda.is_available(), "No CUDA device on this machine.");
        using var images = RandomImages(13, 4, 3, 32, 32);
        using var gpuImages = images.cuda();
        using var hs = new HideAndSeek(new HideAndSeekOptions { Seed = 13 });
        using var g1 = new Generator(5, CPU);
        using var g2 = new Generator(5, CPU);
        using var onCpu = hs.Apply(images, g1);
        using var onGpu = hs.Apply(gpuImages, g2);
        onGpu.device_type.Should().Be(DeviceType.CUDA);
        Same(onGpu.cpu(), onCpu).Should().BeTrue();
    }

    [Fact]
    public void Apply_BatchSplitInHalves_SameAsWhole()
    {
        // Streams keyed by dataset index (not position): the halves of a batch come out as they do in the whole.
        using var images = RandomImages(20, 10, 1, 28, 28);
        using var transform = new HideAndSeek(new HideAndSeekOptions { Seed = 1 });
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
