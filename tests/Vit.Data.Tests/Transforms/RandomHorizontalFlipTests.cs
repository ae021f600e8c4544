using FluentAssertions;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class RandomHorizontalFlipTests
{
    [Fact]
    public void Apply_ManyImages_EachFlippedOrKeptAboutHalf()
    {
        using var images = RandomImages(1, 400, 2, 5, 7);
        using var mirrored = images.flip(3);
        using var flip = new RandomHorizontalFlip(0.5, seed: 1);
        using var output = flip.call(images);
        int flipped = 0;
        for (int b = 0; b < 400; b++)
        {
            bool kept = Same(output[b], images[b]);
            bool isMirror = Same(output[b], mirrored[b]);
            (kept ^ isMirror).Should().BeTrue($"image {b} is either kept or mirrored");
            flipped += isMirror ? 1 : 0;
        }

        ((double)flipped / 400).Should().BeApproximately(0.5, 4 * 0.025); // SE = sqrt(0.25 / 400)
    }

    [Fact]
    public void Apply_ProbabilityZeroOrOne_NoneOrAll()
    {
        using var images = RandomImages(2, 8, 3, 4, 6);
        using var never = new RandomHorizontalFlip(0, seed: 2);
        using var always = new RandomHorizontalFlip(1, seed: 2);
        using var kept = never.call(images);
        using var mirrored = always.call(images);
        Same(kept, images).Should().BeTrue();
        Same(mirrored, images.flip(3)).Should().BeTrue();
    }

    [Fact]
    public void Apply_SameSeed_SameResult()
    {
        using var images = RandomImages(3, 32, 1, 4, 4);
        using var a = new RandomHorizontalFlip(seed: 7);
        using var b = new RandomHorizontalFlip(seed: 7);
        using var outA = a.call(images);
        using var outB = b.call(images);
        Same(outA, outB).Should().BeTrue();
    }

    [Fact]
    public void Constructor_ProbabilityOutOfRange_Throws()
    {
        var act = () => new RandomHorizontalFlip(1.2);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("probability");
    }

    [Fact]
    public void Apply_BatchSplitInHalves_SameAsWhole()
    {
        // Streams keyed by dataset index (not position): the halves of a batch come out as they do in the whole.
        using var images = RandomImages(20, 10, 2, 6, 6);
        using var transform = new RandomHorizontalFlip(seed: 1);
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
