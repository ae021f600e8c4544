using FluentAssertions;
using Xunit;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class InMemoryImageDatasetTests
{
    [Fact]
    public void Constructor_LabelOutOfRange_NamesSampleAndSource()
    {
        var act = () => new InMemoryImageDataset(new byte[3], [0, 5, 1], 1, 1, 1, ["a", "b"], "somewhere.bin");
        act.Should().Throw<ArgumentException>().WithMessage("Label 5 of sample 1 in 'somewhere.bin' is outside [0, 2).*");
    }

    [Fact]
    public void Constructor_PixelCountMismatch_Throws()
    {
        var act = () => new InMemoryImageDataset(new byte[7], [0, 0], 1, 2, 2, ["a"]);
        act.Should().Throw<ArgumentException>().WithMessage("2 labels need 8 pixel bytes of 1x2x2 images; got 7.*");
    }

    [Fact]
    public void GetBatch_IndexOutOfRange_Throws()
    {
        using var dataset = new InMemoryImageDataset(new byte[2], [0, 0], 1, 1, 1, ["a"]);
        var act = () => dataset.GetBatch([0, 2]);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Index 2 (position 1) is outside the dataset [0, 2).*");
    }
}
