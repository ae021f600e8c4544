using FluentAssertions;
using Xunit;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class SubsetDatasetTests
{
    [Fact]
    public void GetBatch_MapsThroughIndices()
    {
        using var source = new InMemoryImageDataset(new byte[] { 10, 11, 12, 13 }, [0, 1, 0, 1], 1, 1, 1, ["a", "b"]);
        var subset = new SubsetDataset(source, [3, 0]);
        subset.Count.Should().Be(2);
        subset.GetLabel(0).Should().Be(1);
        var (images, labels) = subset.GetBatch([1, 0, 0]);
        using (images)
        using (labels)
        {
            Longs(images).Should().Equal(10, 13, 13);
            Longs(labels).Should().Equal(0, 1, 1);
        }
    }

    [Fact]
    public void Constructor_IndexOutsideSource_Throws()
    {
        using var source = new InMemoryImageDataset(new byte[2], [0, 0], 1, 1, 1, ["a"]);
        var act = () => new SubsetDataset(source, [0, 2]);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Index 2 (position 1) is outside the source dataset [0, 2).*");
    }
}
