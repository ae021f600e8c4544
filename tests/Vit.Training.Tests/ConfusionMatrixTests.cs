using FluentAssertions;
using Xunit;

namespace Vit.Training.Tests;

public sealed class ConfusionMatrixTests
{
    [Fact]
    public void PerClass_ClassNeverPredicted_HasZeroPrecisionAndF1()
    {
        var matrix = new ConfusionMatrix(new long[,] { { 0, 2 }, { 0, 3 } });

        matrix.PerClass[0].Should().Be(new ClassMetrics(0, 0, 0, 0, 2));
        matrix.PerClass[1].Precision.Should().Be(0.6);
        matrix.PerClass[1].Recall.Should().Be(1);
        matrix.PerClass[1].F1.Should().BeApproximately(0.75, 1e-15);
        matrix.Total.Should().Be(5);
        matrix[0, 1].Should().Be(2);
    }

    [Fact]
    public void Constructor_NegativeCount_NamesTheCell()
    {
        FluentActions.Invoking(() => new ConfusionMatrix(new long[,] { { 1, 0 }, { -1, 2 } })).Should().Throw<ArgumentException>()
            .WithMessage("counts[1, 0] is -1; counts cannot be negative.*");
        FluentActions.Invoking(() => new ConfusionMatrix(new long[2, 3])).Should().Throw<ArgumentException>()
            .WithMessage("A confusion matrix must be square and not empty; got 2 x 3.*");
    }
}
