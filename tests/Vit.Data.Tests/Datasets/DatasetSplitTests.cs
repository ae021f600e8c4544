using FluentAssertions;
using Xunit;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class DatasetSplitTests
{
    private static InMemoryImageDataset Dataset(int perClass, int classes)
    {
        int[] labels = [.. Enumerable.Range(0, perClass * classes).Select(i => i % classes)];
        return new InMemoryImageDataset(new byte[labels.Length], labels, 1, 1, 1, [.. Enumerable.Range(0, classes).Select(c => $"c{c}")]);
    }

    [Fact]
    public void Stratified_TwentyPercent_HoldsOutRoundedShareOfEveryClassDisjointly()
    {
        using var dataset = Dataset(perClass: 33, classes: 4);
        var (train, heldOut) = DatasetSplit.Stratified(dataset, 0.2, seed: 1);

        heldOut.CountPerClass().Should().Equal(7, 7, 7, 7); // round(33 x 0.2 = 6.6)
        train.CountPerClass().Should().Equal(26, 26, 26, 26);
        train.Indices.Intersect(heldOut.Indices).Should().BeEmpty();
        train.Indices.Concat(heldOut.Indices).Order().Should().Equal(Enumerable.Range(0, 132));
        train.Indices.Should().BeInAscendingOrder();
    }

    [Fact]
    public void Stratified_Seed_SameSeedSameSplitOtherSeedDiffers()
    {
        using var dataset = Dataset(perClass: 50, classes: 3);
        var a = DatasetSplit.Stratified(dataset, 0.2, seed: 5).HeldOut.Indices;
        var b = DatasetSplit.Stratified(dataset, 0.2, seed: 5).HeldOut.Indices;
        var c = DatasetSplit.Stratified(dataset, 0.2, seed: 6).HeldOut.Indices;
        a.Should().Equal(b);
        a.Should().NotEqual(c);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Stratified_FractionOutsideOpenInterval_Throws(double fraction)
    {
        using var dataset = Dataset(2, 2);
        var act = () => DatasetSplit.Stratified(dataset, fraction, 0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("heldOutFraction");
    }
}
