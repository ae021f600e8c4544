using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class SampleStreamsTests
{
    private static ulong First(SampleRandom random) => random.NextUInt64();

    [Fact]
    public void ForSamples_KeyedByDatasetIndex_NotByPosition()
    {
        var whole = SampleStreams.ForSamples(7, 2, 0, [10, 3, 42, 5]);
        var reordered = SampleStreams.ForSamples(7, 2, 9, [42, 10]);
        First(reordered.ForSample(0)).Should().Be(First(whole.ForSample(2)));
        First(reordered.ForSample(1)).Should().Be(First(whole.ForSample(0)));
        whole.SampleKey(0).Should().NotBe(SampleStreams.ForSamples(7, 3, 0, [10]).SampleKey(0), "the epoch is part of the key");
        whole.SampleKey(0).Should().NotBe(SampleStreams.ForSamples(8, 2, 0, [10]).SampleKey(0), "the seed is part of the key");
        whole.BatchKey.Should().NotBe(reordered.BatchKey, "the batch stream is keyed by the batch index");
    }

    [Fact]
    public void ForSample_CalledTwice_StartsOverBatchStreamDiffersFromSamples()
    {
        var streams = SampleStreams.FromSeed(1, 3);
        First(streams.ForSample(1)).Should().Be(First(streams.ForSample(1)));
        new[] { First(streams.ForSample(0)), First(streams.ForSample(1)), First(streams.ForSample(2)), First(streams.ForBatch()) }
            .Distinct().Should().HaveCount(4);
    }

    [Fact]
    public void Slice_Part_SameStreamsAsTheWhole()
    {
        var streams = SampleStreams.ForSamples(3, 0, 1, [5, 6, 7, 8, 9]);
        var part = streams.Slice(2, 3);
        part.Count.Should().Be(3);
        Enumerable.Range(0, 3).Select(part.SampleKey).Should().Equal(streams.SampleKey(2), streams.SampleKey(3), streams.SampleKey(4));
        part.BatchKey.Should().Be(streams.BatchKey);
        part.Slice(1, 1).SampleKey(0).Should().Be(streams.SampleKey(3));
        var act = () => streams.Slice(3, 3);
        act.Should().Throw<ArgumentOutOfRangeException>();
        var outside = () => part.SampleKey(3);
        outside.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Derive_Purpose_IndependentOfOtherPurposesAndStillPerSample()
    {
        var streams = SampleStreams.ForSamples(3, 0, 1, [5, 6, 7, 8]);
        var first = streams.Derive(0);
        var second = streams.Derive(1);
        Enumerable.Range(0, 4).Select(first.SampleKey).Should().NotIntersectWith(Enumerable.Range(0, 4).Select(second.SampleKey));
        first.BatchKey.Should().NotBe(second.BatchKey);
        streams.Slice(2, 2).Derive(1).SampleKey(0).Should().Be(second.SampleKey(2), "deriving commutes with slicing");
    }

    [Fact]
    public void FromGenerator_SameGeneratorSeed_SameStreams()
    {
        using var g1 = new Generator(5, CPU);
        using var g2 = new Generator(5, CPU);
        using var g3 = new Generator(6, CPU);
        var a = SampleStreams.FromGenerator(g1, 4);
        var b = SampleStreams.FromGenerator(g2, 4);
        var c = SampleStreams.FromGenerator(g3, 4);
        Enumerable.Range(0, 4).Select(a.SampleKey).Should().Equal(Enumerable.Range(0, 4).Select(b.SampleKey));
        a.SampleKey(0).Should().NotBe(c.SampleKey(0));
    }
}
