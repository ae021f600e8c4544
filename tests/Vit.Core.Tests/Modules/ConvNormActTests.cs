using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>ConvNormAct normalises as PyTorch's BatchNorm2d does, without calling it (its batch count uses an implicit Scalar).</summary>
[Collection(TorchTestGroup.Name)]
public sealed class ConvNormActTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(null)]
    public void Forward_MatchesConvThenBatchNorm2dThenRelu_InTrainingAndEvaluation(double? momentum)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var block = new ConvNormAct(2, 5, 3, 2, 1, last: false, ActivationKind.Relu);
        using var reference = nn.BatchNorm2d(5, momentum: 0.1);
        block.Norm!.momentum = momentum;
        reference.momentum = momentum;
        using (no_grad())
        {
            block.Norm.weight!.uniform_(0.5, 1.5);
            block.Norm.bias!.uniform_(-0.5, 0.5);
            reference.weight!.copy_(block.Norm.weight);
            reference.bias!.copy_(block.Norm.bias);
        }

        for (int step = 0; step < 3; step++)
        {
            var x = randn(4, 2, 9, 9) * (step + 1);
            var expected = nn.functional.relu(reference.call(block.Conv.call(x)));
            block.call(x).equal(expected).all().item<bool>().Should().BeTrue($"training step {step} normalises with the batch statistics");
        }

        block.Norm.running_mean!.equal(reference.running_mean!).all().item<bool>().Should().BeTrue();
        block.Norm.running_var!.equal(reference.running_var!).all().item<bool>().Should().BeTrue();
        block.Norm.num_batches_tracked!.item<long>().Should().Be(3);
        reference.num_batches_tracked!.item<long>().Should().Be(3);

        block.eval();
        reference.eval();
        var input = randn(3, 2, 9, 9);
        block.call(input).equal(nn.functional.relu(reference.call(block.Conv.call(input)))).all().item<bool>().Should().BeTrue("evaluation uses the running statistics");
        block.Norm.num_batches_tracked.item<long>().Should().Be(3, "evaluation counts no batch");
    }
}
