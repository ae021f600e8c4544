using FluentAssertions;
using Vit.Distributed.Native;
using Xunit;

namespace Vit.Distributed.Tests.Native;

public sealed class CallChunksTests
{
    [Fact]
    public void Split_Empty_GivesNoCall()
    {
        CallChunks.Split(0, 4).Should().BeEmpty();
    }

    [Fact]
    public void Split_Small_GivesOneCall()
    {
        CallChunks.Split(10_700_000, 4).Should().Equal((0L, 10_700_000));
    }

    [Fact]
    public void Split_LargerThanOneCall_CoversEveryElementOnceInPiecesOfAtMostMaxBytes()
    {
        CallChunks.Split(10, 4, maxBytes: 16).Should().Equal((0L, 4), (4L, 4), (8L, 2));
    }

    [Fact]
    public void Split_MoreThanInt32Elements_KeepsEveryCountBelowTheLimit()
    {
        long count = (3L << 30) + 5; // 3 Gi + 5 float32 elements: 12 GiB
        var pieces = CallChunks.Split(count, 4).ToList();

        pieces.Should().HaveCount(13);
        pieces.Should().OnlyContain(p => p.Count <= CallChunks.MaxBytes / 4);
        pieces.Sum(p => (long)p.Count).Should().Be(count);
        pieces[^1].Should().Be((12L << 28, 5));
    }

    [Fact]
    public void Split_ElementLargerThanMaxBytes_StillMovesOneElementPerCall()
    {
        CallChunks.Split(3, 8, maxBytes: 4).Should().Equal((0L, 1), (1L, 1), (2L, 1));
    }
}
