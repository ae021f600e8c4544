using FluentAssertions;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class NormalizeTests
{
    [Fact]
    public void Call_PerChannel_SubtractsMeanDividesStd()
    {
        using var images = tensor(new float[] { 0.5f, 1.0f, 0.25f, 0.75f }, [1, 2, 1, 2]);
        var normalize = new Normalize([0.5f, 0.25f], [0.25f, 0.5f]);
        using var output = normalize.call(images);
        // Channel 0: (0.5 - 0.5) / 0.25 = 0, (1 - 0.5) / 0.25 = 2; channel 1: (0.25 - 0.25) / 0.5 = 0, (0.75 - 0.25) / 0.5 = 1.
        Floats(output).Should().Equal(0f, 2f, 0f, 1f);
        Floats(images).Should().Equal(0.5f, 1.0f, 0.25f, 0.75f);
    }

    [Fact]
    public void Call_WrongChannelCount_Throws()
    {
        using var images = ones(3, 4, 4);
        var act = () => new Normalize([0f, 0f], [1f, 1f]).call(images);
        act.Should().Throw<ArgumentException>().WithMessage("Normalize has 2 channel values but the images have 3 channels.*");
    }

    [Fact]
    public void Constructor_NonPositiveStd_Throws()
    {
        var act = () => new Normalize([0f], [0f]);
        act.Should().Throw<ArgumentException>().WithMessage("Channel 0: std must be positive*");
    }
}
