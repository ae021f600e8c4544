using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vit.Core.Tests.Precision;

/// <summary>
/// <see cref="AutocastLinear"/>, <see cref="AutocastConv2d"/> and <see cref="AutocastLayerNorm"/> against TorchSharp's
/// <c>nn.Linear</c>, <c>nn.Conv2d</c> and <c>nn.LayerNorm</c>: same keys, same initialisation, same results off
/// autocast, and PyTorch's autocast dtypes on.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class AutocastLayersTests
{
    [Fact]
    public void AutocastLinear_SameSeed_HasNnLinearsKeysAndWeights()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        using var reference = nn.Linear(5, 3);
        torch.manual_seed(7);
        using var layer = new AutocastLinear(5, 3);

        layer.state_dict().Keys.Should().Equal("weight", "bias");
        layer.Weight.equal(reference.weight).all().item<bool>().Should().BeTrue();
        layer.Bias!.equal(reference.bias!).all().item<bool>().Should().BeTrue();
        new AutocastLinear(5, 3, hasBias: false).state_dict().Keys.Should().Equal("weight");
    }

    [Fact]
    public void AutocastConv2d_SameSeed_HasNnConv2dsKeysWeightsAndOutput()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var reference = nn.Conv2d(3, 8, 4, stride: 4);
        torch.manual_seed(11);
        using var layer = new AutocastConv2d(3, 8, 4, stride: 4);
        var images = torch.randn(2, 3, 8, 12);

        layer.state_dict().Keys.Should().Equal("weight", "bias");
        layer.Weight.equal(reference.weight).all().item<bool>().Should().BeTrue();
        var output = layer.call(images);
        output.shape.Should().Equal(2, 8, 2, 3);
        output.equal(reference.call(images)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void AutocastLinear_BFloat16_RunsOnTheCastOperandsAndLeavesTheWeightFp32()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var layer = new AutocastLinear(16, 4);
        var x = torch.randn(2, 16);
        var expected = F.linear(x.to_type(ScalarType.BFloat16), layer.Weight.to_type(ScalarType.BFloat16), layer.Bias!.to_type(ScalarType.BFloat16));

        Tensor actual;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            actual = layer.call(x);
        }

        actual.dtype.Should().Be(ScalarType.BFloat16);
        actual.equal(expected).all().item<bool>().Should().BeTrue();
        layer.Weight.dtype.Should().Be(ScalarType.Float32);
        layer.call(x).dtype.Should().Be(ScalarType.Float32, "outside the scope the layer runs in its weights' dtype");
    }

    [Fact]
    public void AutocastLayerNorm_BFloat16Input_NormalisesInFp32LikeNnLayerNorm()
    {
        using var scope = NewDisposeScope();
        using var reference = nn.LayerNorm(6, eps: 1e-6);
        using var norm = new AutocastLayerNorm(6);
        var x = torch.randn(3, 6).to_type(ScalarType.BFloat16);
        var expected = reference.call(x.to_type(ScalarType.Float32));

        Tensor actual;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            actual = norm.call(x);
        }

        norm.state_dict().Keys.Should().Equal("weight", "bias");
        actual.dtype.Should().Be(ScalarType.Float32);
        actual.equal(expected).all().item<bool>().Should().BeTrue();
    }
}
