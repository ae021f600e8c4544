using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class DropPathTests
{
    [Fact]
    public void Forward_Eval_ReturnsInputUnchanged()
    {
        using var scope = NewDisposeScope();
        using var dropPath = new DropPath(0.5);
        dropPath.eval();
        var x = torch.randn(8, 3, 4);

        dropPath.forward(x).equal(x).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Forward_Training_DropsWholeSamplesAndScalesTheRestByOneOverKeep()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var dropPath = new DropPath(0.3);
        dropPath.train();
        var x = torch.rand(4000, 2, 3) + 1; // never zero, so a zero means "dropped"

        var y = dropPath.forward(x);

        var ratio = (y / x).reshape(4000, 6);
        var first = ratio[.., 0..1];
        ratio.allclose(first.expand(4000, 6), rtol: 0, atol: 1e-5).Should().BeTrue("each sample is dropped or kept whole");
        var dropped = first.eq(0);
        var kept = first.isclose(torch.tensor(1 / 0.7f), rtol: 0, atol: 1e-5);
        (dropped | kept).all().item<bool>().Should().BeTrue();
        dropped.to(ScalarType.Float32).mean().item<float>().Should().BeInRange(0.27f, 0.33f);
    }

    [Fact]
    public void Backward_Training_GradientIsTheScaledMask()
    {
        using var scope = NewDisposeScope();
        using var dropPath = new DropPath(0.5);
        dropPath.train();
        var x = torch.ones(64, 5, requires_grad: true);

        var y = dropPath.forward(x);
        y.sum().backward();

        x.grad!.equal(y.detach()).all().item<bool>().Should().BeTrue("d(x * mask)/dx = mask and x is ones");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    public void Constructor_RateOutOfRange_Throws(double rate)
    {
        var act = () => new DropPath(rate);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"rate is {rate}; it must be in [0, 1).*");
    }
}
