using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void Evaluate_Batch_MatchesLossAndAccuraciesComputedByHand()
    {
        var architecture = TestModels.Tiny();
        architecture.NumClasses = 10;
        using var model = TestModels.Build(architecture, seed: 21);
        using (no_grad())
        {
            // The head starts at zero (timm), which ties every logit: spread it so that ranks mean something.
            model.state_dict()["head.weight"].normal_(0, 1);
        }

        using var trainer = new Trainer(model, StepOptions());
        var (images, labels) = TestModels.RandomBatch(64, seed: 5, classes: 10);

        var result = trainer.Evaluate(images, labels);

        // Reference: softmax cross-entropy and ranks from the raw logits, in double precision on the host.
        model.eval();
        float[] logits;
        using (no_grad())
        using (var output = model.call(images))
        {
            logits = output.data<float>().ToArray();
        }

        model.train();
        long[] y = labels.data<long>().ToArray();
        double loss = 0;
        int top1 = 0, top5 = 0;
        for (int i = 0; i < y.Length; i++)
        {
            var row = logits.AsSpan(i * 10, 10).ToArray();
            double max = row.Max();
            double logSumExp = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            loss += logSumExp - row[y[i]];
            int rank = row.Count(v => v > row[y[i]]);
            top1 += rank == 0 ? 1 : 0;
            top5 += rank < 5 ? 1 : 0;
        }

        result.Count.Should().Be(64);
        result.Loss.Should().BeApproximately(loss / 64, 1e-5);
        result.Top1Accuracy.Should().Be(top1 / 64.0);
        result.Top5Accuracy.Should().Be(top5 / 64.0);
        result.Top5Accuracy.Should().BeGreaterThan(result.Top1Accuracy, "an untrained 10-class model ranks labels all over");
        model.training.Should().BeTrue("Evaluate restores the mode it found");
    }

    [Fact]
    public void Evaluate_Loader_EqualsOneBatchOverTheSameImages()
    {
        using var dataset = TestModels.RandomDataset(40, seed: 3);
        using var loader = Loader(dataset, shuffle: false);
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        var (raw, labels) = dataset.GetBatch(Enumerable.Range(0, 40).ToArray());
        using var images = raw.to(ScalarType.Float32).div(255f);

        var byLoader = trainer.Evaluate(loader);
        var byBatch = trainer.Evaluate(images, labels);

        byLoader.Count.Should().Be(40);
        byLoader.Loss.Should().BeApproximately(byBatch.Loss, 1e-6);
        byLoader.Top1Accuracy.Should().Be(byBatch.Top1Accuracy);
        byLoader.Top5Accuracy.Should().Be(1.0, "5 classes: the label is always among the top 5");
    }
}
