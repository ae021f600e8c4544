using FluentAssertions;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class RandomCropTests
{
    [Fact]
    public void Apply_PadFourCropOriginalSize_EachImageIsAWindowOfThePaddedImage()
    {
        const int padding = 4, size = 12, batch = 200;
        using var images = RandomImages(1, batch, 3, size, size);
        using var crop = new RandomCrop(size, size, padding, fill: -1f, seed: 1);
        using var output = crop.call(images);
        output.shape.Should().Equal(batch, 3, size, size);

        // Pad by hand (a -1 border) and find, for each image, the offsets whose window matches.
        using var padded = full(new long[] { batch, 3, size + (2 * padding), size + (2 * padding) }, -1f);
        padded[.., .., padding..(padding + size), padding..(padding + size)] = images;
        var offsets = new HashSet<(int, int)>();
        for (int b = 0; b < batch; b++)
        {
            var matches = new List<(int, int)>();
            for (int top = 0; top <= 2 * padding; top++)
            {
                for (int left = 0; left <= 2 * padding; left++)
                {
                    if (Same(output[b], padded[b, .., top..(top + size), left..(left + size)]))
                    {
                        matches.Add((top, left));
                    }
                }
            }

            matches.Should().ContainSingle($"image {b} is exactly one window of its padded image");
            offsets.Add(matches[0]);
        }

        // 81 possible offsets, 200 draws: independent per image, so many distinct ones, including both extremes.
        offsets.Count.Should().BeGreaterThan(50);
        offsets.Select(o => o.Item1).Should().Contain(0).And.Contain(2 * padding);
    }

    [Fact]
    public void Apply_SmallerOutputNoPadding_ShapeAndSeed()
    {
        using var images = RandomImages(2, 4, 1, 10, 9);
        using var a = new RandomCrop(6, 5, seed: 3);
        using var b = new RandomCrop(6, 5, seed: 3);
        using var outA = a.call(images);
        using var outB = b.call(images);
        outA.shape.Should().Equal(4, 1, 6, 5);
        Same(outA, outB).Should().BeTrue();
    }

    [Fact]
    public void Apply_OutputLargerThanPadded_Throws()
    {
        using var images = ones(1, 1, 4, 4);
        using var crop = new RandomCrop(10, 10, padding: 1, seed: 1);
        var act = () => crop.call(images);
        act.Should().Throw<ArgumentException>().WithMessage("RandomCrop to 10x10 needs padded images at least that large; got 6x6*");
    }

    [Fact]
    public void Apply_BatchSplitInHalves_SameAsWhole()
    {
        // Streams keyed by dataset index (not position): the halves of a batch come out as they do in the whole.
        using var images = RandomImages(20, 10, 2, 12, 12);
        using var transform = new RandomCrop(12, 12, padding: 3, seed: 1);
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
