using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    // Six images whose logits are their own pixels (an identity linear layer), labels chosen by hand:
    // top-1 predictions 0, 1, 2, 1, 0, 2 against labels 0, 1, 1, 2, 2, 2.
    private static readonly float[][] HandLogits = [[3, 1, 0], [0, 2, 1], [1, 0, 2], [0, 3, 1], [2, 1, 0], [0, 1, 4]];
    private static readonly long[] HandLabels = [0, 1, 1, 2, 2, 2];

    [Fact]
    public void Evaluate_HandMadeLogits_GivesTopKConfusionAndPerClassFigures()
    {
        using var model = IdentityClassifier();
        using var trainer = new Trainer(model, new TrainerOptions());
        var (first, second) = HandBatches();

        var result = trainer.Evaluate([first, second]);

        result.Top1Accuracy.Should().Be(0.5);
        result.TopKAccuracy.Should().Equal([3 / 6.0, 4 / 6.0, 1.0], (a, b) => Math.Abs(a - b) < 1e-12);
        result.Top5Accuracy.Should().Be(1.0);
        result.ConfusionMatrix!.ToArray().Should().BeEquivalentTo(new long[,] { { 1, 0, 0 }, { 0, 1, 1 }, { 1, 1, 1 } });
        result.PerClass.Select(c => c.Precision).Should().Equal([0.5, 0.5, 0.5], (a, b) => Math.Abs(a - b) < 1e-12);
        result.PerClass.Select(c => c.Recall).Should().Equal([1.0, 0.5, 1 / 3.0], (a, b) => Math.Abs(a - b) < 1e-12);
        result.PerClass.Select(c => c.F1).Should().Equal([2 / 3.0, 0.5, 0.4], (a, b) => Math.Abs(a - b) < 1e-12);
        result.PerClass.Select(c => c.Support).Should().Equal(1L, 2L, 3L);
        result.ConfusionMatrix.MacroF1.Should().BeApproximately(0.522222, 1e-6);
    }

    [Fact]
    public void Predict_HandMadeLogits_KeepsInputOrderAndSoftmaxes()
    {
        using var model = IdentityClassifier();
        using var trainer = new Trainer(model, new TrainerOptions());
        var (first, second) = HandBatches();

        var predictions = trainer.Predict([first.Images, second.Images]);

        predictions.Count.Should().Be(6);
        predictions.NumClasses.Should().Be(3);
        Enumerable.Range(0, 6).Select(predictions.PredictedClass).Should().Equal(0, 1, 2, 1, 0, 2);
        predictions.Logits(3).Should().Equal(0f, 3f, 1f);
        predictions.Probabilities(0).Should().Equal([0.843795f, 0.114195f, 0.042010f], (a, b) => Math.Abs(a - b) < 1e-6f);
        predictions.Probabilities(5).Should().Equal([0.017148f, 0.046613f, 0.936240f], (a, b) => Math.Abs(a - b) < 1e-6f);
        predictions.HasLabels.Should().BeFalse();
        model.training.Should().BeTrue("Predict restores the training mode");
    }

    [Fact]
    public void Predict_Loader_CarriesItsLabelsInOrder()
    {
        using var dataset = TestModels.RandomDataset(10, seed: 4);
        using var loader = new Vit.Data.BatchLoader(dataset, new Vit.Data.BatchLoaderOptions { BatchSize = 4, Shuffle = false });
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, new TrainerOptions());

        var predictions = trainer.Predict(loader);
        var evaluation = trainer.Evaluate(loader);

        predictions.Count.Should().Be(10);
        Enumerable.Range(0, 10).Select(i => predictions.Label(i)).Should().Equal(Enumerable.Range(0, 10).Select(i => (long)dataset.GetLabel(i)));
        double agreement = Enumerable.Range(0, 10).Count(i => predictions.PredictedClass(i) == predictions.Label(i)) / 10.0;
        agreement.Should().Be(evaluation.Top1Accuracy);
    }

    private static nn.Module<Tensor, Tensor> IdentityClassifier()
    {
        var linear = nn.Linear(3, 3, hasBias: false);
        using (no_grad())
        {
            linear.weight!.copy_(eye(3));
        }

        return nn.Sequential(nn.Flatten(), linear);
    }

    private static ((Tensor Images, Tensor Targets) First, (Tensor Images, Tensor Targets) Second) HandBatches()
    {
        var images = tensor(HandLogits.SelectMany(r => r).ToArray(), [6, 1, 1, 3]);
        var labels = tensor(HandLabels);
        return ((images[..4], labels[..4]), (images[4..], labels[4..]));
    }
}
