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

    [Fact]
    public void Targets_WithoutSoftTargets_AreTheLabels()
    {
        using var batch = new Batch(ones(2, 1, 2, 2), tensor(new long[] { 3, 4 }));

        batch.Targets.Should().BeSameAs(batch.Labels);
        batch.HasOwnTargets.Should().BeFalse();
    }

    [Fact]
    public void Targets_SoftTargets_AreKeptClonedAndFreedWithTheBatch()
    {
        var soft = tensor(new float[] { 0.7f, 0.3f, 0.1f, 0.9f }, [2, 2]);
        var batch = new Batch(ones(2, 1, 2, 2), tensor(new long[] { 0, 1 }), soft);
        using var copy = batch.Clone();

        batch.Targets.Should().BeSameAs(soft);
        batch.HasOwnTargets.Should().BeTrue();
        Longs(batch.Labels).Should().Equal(0, 1);
        batch.Dispose();

        soft.IsInvalid.Should().BeTrue("the batch owns its targets");
        copy.HasOwnTargets.Should().BeTrue();
        Floats(copy.Targets).Should().Equal(0.7f, 0.3f, 0.1f, 0.9f);
    }

    [Fact]
    public void Constructor_TargetsWithOtherRowCount_Throws()
    {
        using var images = ones(2, 1, 2, 2);
        using var labels = zeros(new long[] { 2 }, ScalarType.Int64);
        using var targets = zeros(3, 5);
        var act = () => new Batch(images, labels, targets);
        act.Should().Throw<ArgumentException>().WithMessage("Batch targets must have 2 rows to match the images (soft targets: [2, K]); got [3, 5].*");
    }
}
