using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class FeedForwardTests
{
    [Fact]
    public void Forward_EqualsFc1ThenErfGeluThenFc2()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var mlp = new FeedForward(6, 10);
        var state = mlp.state_dict();
        var x = torch.randn(3, 4, 6) * 3;

        var output = mlp.forward(x);

        var hidden = nn.functional.linear(x, state["fc1.weight"], state["fc1.bias"]);
        var exactGelu = 0.5 * hidden * (1 + torch.erf(hidden / Math.Sqrt(2)));
        var tanhGelu = 0.5 * hidden * (1 + torch.tanh(Math.Sqrt(2 / Math.PI) * (hidden + (0.044715 * hidden.pow(3)))));
        var expected = nn.functional.linear(exactGelu, state["fc2.weight"], state["fc2.bias"]);
        var tanhExpected = nn.functional.linear(tanhGelu, state["fc2.weight"], state["fc2.bias"]);
        TensorAssert.Close(output, expected, atol: 1e-6);
        (output - tanhExpected).abs().max().item<float>().Should().BeGreaterThan(1e-5f, "the tanh approximation is a different function");
    }

    [Fact]
    public void StateDict_Keys_AreTimmsFc1AndFc2()
    {
        using var mlp = new FeedForward(6, 24);

        mlp.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape).Should().BeEquivalentTo(new Dictionary<string, long[]>
        {
            ["fc1.weight"] = [24, 6], ["fc1.bias"] = [24], ["fc2.weight"] = [6, 24], ["fc2.bias"] = [6],
        });
    }

    [Fact]
    public void Forward_DropoutInTraining_ChangesOutputOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        using var mlp = new FeedForward(8, 32, dropout: 0.5);
        using var noDropout = new FeedForward(8, 32);
        noDropout.load_state_dict(mlp.state_dict());
        var x = torch.randn(4, 8);

        mlp.train();
        noDropout.train();
        var trained = mlp.forward(x);
        mlp.eval();
        var evaluated = mlp.forward(x);

        trained.allclose(evaluated).Should().BeFalse();
        TensorAssert.Close(noDropout.forward(x), evaluated, atol: 1e-6);
    }

    [Fact]
    public void Constructor_RateOutOfRange_Throws()
    {
        var act = () => new FeedForward(4, 4, dropout: 1.0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("dropout is 1; it must be in [0, 1).*");
    }
}
