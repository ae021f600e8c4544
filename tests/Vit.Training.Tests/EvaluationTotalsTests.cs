using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class EvaluationTotalsTests
{
    [Fact]
    public void Sums_OfTwoShardsAddedUp_GiveTheWholePass()
    {
        // What a sharded (data-parallel) evaluation does: each worker sums its shard, an all-reduce adds the sums.
        using var model = TestModels.Build(TestModels.Tiny(), seed: 21);
        var evaluator = new Evaluator(model, CPU, new BatchChecks(model), ScalarType.Float32);
        var batches = Enumerable.Range(0, 4).Select(i => TestModels.RandomBatch(8, seed: 700 + i)).ToList();

        using var whole = evaluator.Accumulate(batches, CancellationToken.None);
        using var first = evaluator.Accumulate(batches.Take(2), CancellationToken.None);
        using var second = evaluator.Accumulate(batches.Skip(2), CancellationToken.None);
        first.Sums.add_(second.Sums);

        var expected = whole.ToResult("batches");
        var reduced = first.ToResult("batches");
        reduced.Count.Should().Be(32);
        reduced.Loss.Should().BeApproximately(expected.Loss, 1e-12);
        reduced.Top1Accuracy.Should().Be(expected.Top1Accuracy);
        reduced.Top5Accuracy.Should().Be(expected.Top5Accuracy);
    }

    [Fact]
    public void ToResult_NothingEvaluated_Throws()
    {
        using var totals = new EvaluationTotals(CPU);

        FluentActions.Invoking(() => totals.ToResult("batches")).Should().Throw<ArgumentException>()
            .WithMessage("The evaluation data yielded no image.*");
    }
}
