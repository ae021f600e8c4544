using FluentAssertions;
using Xunit;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Testing;

[Collection(TorchTestGroup.Name)]
public sealed class TensorAssertTests
{
    [Fact]
    public void Close_WithinTolerance_ReturnsTheLargestDifference()
    {
        var actual = tensor(new[] { 1.0f, 2.0f, 3.0f, 4.0f }).reshape(2, 2);
        var expected = tensor(new[] { 1.0f, 2.5f, 3.0f, 3.75f }).reshape(2, 2);

        TensorAssert.Close(actual, expected, atol: 0.5).Should().Be(0.5);
    }

    [Fact]
    public void Close_OutsideTolerance_ReportsTheLargestDifferenceAndItsIndex()
    {
        var actual = zeros(2, 3, 4);
        var expected = zeros(2, 3, 4);
        expected[1, 2, 3] = tensor(0.25f);
        expected[0, 1, 1] = tensor(-0.125f);

        var act = () => TensorAssert.Close(actual, expected, atol: 0.1, because: "logits");

        act.Should().Throw<FailException>().Which.Message.Should().Be(
            "Tensors differ (logits): 2 of 24 elements exceed atol 0.1 + rtol 0 * |expected|; " +
            "the largest difference is 0.25 at [1, 2, 3] (actual 0, expected 0.25).");
    }

    [Fact]
    public void Close_RelativeTolerance_ScalesWithTheExpectedValue()
    {
        var expected = tensor(new[] { 1000.0, 1.0 });
        var actual = tensor(new[] { 1000.5, 1.0 });

        TensorAssert.Close(actual, expected, atol: 0, rtol: 1e-3).Should().Be(0.5);
        FluentActions.Invoking(() => TensorAssert.Close(actual, expected, atol: 0, rtol: 1e-4)).Should().Throw<FailException>();
    }

    [Fact]
    public void Close_NaN_NeverPassesButEqualInfinitiesDo()
    {
        var expected = tensor(new[] { double.PositiveInfinity, 1.0 });

        TensorAssert.Close(tensor(new[] { double.PositiveInfinity, 1.0 }), expected, atol: 0).Should().Be(0);
        FluentActions.Invoking(() => TensorAssert.Close(tensor(new[] { double.PositiveInfinity, double.NaN }), expected, atol: 1))
            .Should().Throw<FailException>().Which.Message.Should().Be(
                "Tensors differ: 1 of 2 elements exceed atol 1 + rtol 0 * |expected|; the largest difference is Infinity at [1] (actual NaN, expected 1).");
    }

    [Fact]
    public void Close_DifferentShapes_SaysBoth()
    {
        var act = () => TensorAssert.Close(zeros(2, 3), zeros(3, 2), atol: 1);

        act.Should().Throw<FailException>().Which.Message.Should().Be("Expected shape [3, 2] but got [2, 3].");
    }
}
