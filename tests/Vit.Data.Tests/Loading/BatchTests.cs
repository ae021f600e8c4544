using FluentAssertions;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class BatchTests
{
    [Fact]
    public void Clone_AfterOriginalDisposed_StillUsable()
    {
        var batch = new Batch(ones(2, 1, 2, 2), tensor(new long[] { 3, 4 }));
        using var copy = batch.Clone();
        batch.Dispose();
        batch.Dispose();
        var act = () => batch.Images;
        act.Should().Throw<ObjectDisposedException>();
        Longs(copy.Labels).Should().Equal(3, 4);
        copy.Count.Should().Be(2);
    }

    [Fact]
    public void Constructor_LabelsDoNotMatchImages_Throws()
    {
        using var images = ones(2, 1, 2, 2);
        using var labels = zeros(new long[] { 3 }, ScalarType.Int64);
        var act = () => new Batch(images, labels);
        act.Should().Throw<ArgumentException>().WithMessage("Batch labels must have shape [2] to match the images; got [3].*");
    }
}
