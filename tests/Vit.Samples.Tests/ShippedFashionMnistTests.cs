using FluentAssertions;
using Vit.Data;
using Vit.Samples.FashionMnist;
using Xunit;
using Dataset = Vit.Data.FashionMnist;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class ShippedFashionMnistTests
{
    [Fact]
    public void FindDirectory_FromTheTestOutput_FindsTheRepositoryCopy()
    {
        ShippedFashionMnist.FindDirectory().Should().Be(TestFiles.InRepository(ShippedFashionMnist.RelativeDirectory));
    }

    [Fact]
    public void FindDirectory_FromAFolderWithoutData_ReturnsNull()
    {
        using var dir = new TempDirectory();

        ShippedFashionMnist.FindDirectory(dir.Path).Should().BeNull();
    }

    [Fact]
    public void Split_DefaultSeed_EightThousandTwoThousandStratified()
    {
        using var dataset = Dataset.LoadTest(TestFiles.InRepository(ShippedFashionMnist.RelativeDirectory));

        var (train, heldOut) = ShippedFashionMnist.Split(dataset);

        train.Count.Should().Be(8000);
        heldOut.Count.Should().Be(2000);
        train.CountPerClass().Should().OnlyContain(c => c == 800);
        heldOut.CountPerClass().Should().OnlyContain(c => c == 200);
        train.Indices.Intersect(heldOut.Indices).Should().BeEmpty();
        ShippedFashionMnist.Split(dataset).HeldOut.Indices.Should().Equal(heldOut.Indices);
        ShippedFashionMnist.Split(dataset, seed: 1).HeldOut.Indices.Should().NotEqual(heldOut.Indices);
    }
}
