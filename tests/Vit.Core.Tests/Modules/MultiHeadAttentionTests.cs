using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class MultiHeadAttentionTests
{
    /// <summary>Attention written out head by head from the weights, independently of the module's reshapes.</summary>
    private static (Tensor Output, Tensor Probabilities) Reference(MultiHeadAttention attention, Tensor x, int heads)
    {
        var state = attention.state_dict();
        long dim = x.shape[2], headDim = dim / heads;
        var qkv = nn.functional.linear(x, state["qkv.weight"], state["qkv.bias"]);
        var outputs = new List<Tensor>();
        var probabilities = new List<Tensor>();
        for (int h = 0; h < heads; h++)
        {
            var q = qkv[.., .., (int)(h * headDim)..(int)((h + 1) * headDim)];
            var k = qkv[.., .., (int)(dim + (h * headDim))..(int)(dim + ((h + 1) * headDim))];
            var v = qkv[.., .., (int)((2 * dim) + (h * headDim))..(int)((2 * dim) + ((h + 1) * headDim))];
            var p = (q.matmul(k.transpose(1, 2)) / Math.Sqrt(headDim)).softmax(-1);
            probabilities.Add(p);
            outputs.Add(p.matmul(v));
        }

        var merged = torch.cat(outputs, 2);
        return (nn.functional.linear(merged, state["proj.weight"], state["proj.bias"]), torch.stack(probabilities, 1));
    }

    [Fact]
    public void Forward_AndForwardWithAttention_EqualHeadByHeadSoftmaxAttention()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var attention = new MultiHeadAttention(dim: 12, numHeads: 3);
        attention.eval();
        var x = torch.randn(2, 5, 12);
        var (expected, expectedProbabilities) = Reference(attention, x, 3);

        var fused = attention.forward(x);
        var (explicitOutput, probabilities) = attention.ForwardWithAttention(x);

        TensorAssert.Close(fused, expected, atol: 1e-6);
        TensorAssert.Close(explicitOutput, expected, atol: 1e-6);
        probabilities.shape.Should().Equal(2, 3, 5, 5);
        TensorAssert.Close(probabilities, expectedProbabilities, atol: 1e-6);
        TensorAssert.Close(probabilities.sum(-1), torch.ones(2, 3, 5), atol: 1e-6);
    }

    [Fact]
    public void StateDict_Keys_AreTimmsFusedQkvAndProj()
    {
        using var withBias = new MultiHeadAttention(8, 2);
        using var withoutBias = new MultiHeadAttention(8, 2, qkvBias: false);

        withBias.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape).Should().BeEquivalentTo(new Dictionary<string, long[]>
        {
            ["qkv.weight"] = [24, 8], ["qkv.bias"] = [24], ["proj.weight"] = [8, 8], ["proj.bias"] = [8],
        });
        withoutBias.state_dict().Keys.Should().Equal("qkv.weight", "proj.weight", "proj.bias");
    }

    [Fact]
    public void Forward_AttentionDropoutInTraining_IsRandomAndOffInEval()
    {
        using var scope = NewDisposeScope();
        using var attention = new MultiHeadAttention(16, 4, attentionDropout: 0.5);
        var x = torch.randn(2, 6, 16);

        attention.train();
        var first = attention.forward(x);
        var second = attention.forward(x);
        attention.eval();
        var evalFirst = attention.forward(x);
        var evalSecond = attention.forward(x);

        first.allclose(second).Should().BeFalse();
        evalFirst.equal(evalSecond).all().item<bool>().Should().BeTrue();
        TensorAssert.Close(evalFirst, Reference(attention, x, 4).Output, atol: 1e-6);
    }

    [Fact]
    public void Constructor_DimNotDivisibleByHeads_Throws()
    {
        var act = () => new MultiHeadAttention(10, 3);

        act.Should().Throw<ArgumentException>().WithMessage("dim 10 is not divisible by numHeads 3.*");
    }

    [Fact]
    public void Forward_WrongRank_Throws()
    {
        using var attention = new MultiHeadAttention(8, 2);
        using var x = torch.zeros(8);

        var act = () => attention.forward(x);

        act.Should().Throw<ArgumentException>().WithMessage("Expected tokens shaped [batch, tokens, 8], got shape [8].*");
    }
}
