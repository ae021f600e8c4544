using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using Vit.Core;
using Vit.Data;
using Xunit;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void Fit_TwoLayerModelOnFashionMnist_LearnsWellAboveChance()
    {
        using var shipped = FashionMnist.LoadTest(TestFiles.InRepository("data/fashion-mnist"));
        // 512 images to train on and 500 others to measure, from the split that ships with the repository.
        var train = new SubsetDataset(shipped, Enumerable.Range(0, 512).ToArray());
        var heldOut = new SubsetDataset(shipped, Enumerable.Range(9000, 500).ToArray());
        var normalize = new Normalize([0.286f], [0.353f]);
        using var trainLoader = new BatchLoader(train, new BatchLoaderOptions { BatchSize = 32, Seed = 1, DropLast = true }, [normalize]);
        using var heldOutLoader = new BatchLoader(heldOut, new BatchLoaderOptions { BatchSize = 100, Shuffle = false }, [normalize]);
        var architecture = new VisionTransformerOptions
        {
            ImageSize = 28,
            PatchSize = 7,
            InChannels = 1,
            NumClasses = 10,
            EmbedDim = 64,
            Depth = 2,
            NumHeads = 4,
        };
        using var model = TestModels.Build(architecture, seed: 0);
        var options = new TrainerOptions
        {
            LearningRate = 2e-3,
            WeightDecay = 0.05,
            Epochs = 20,
            WarmupEpochs = 1,
            GradientClipNorm = 1.0,
            LabelSmoothing = 0.1,
            Seed = 0,
            EvaluateEveryEpochs = 0,
        };
        using var trainer = new Trainer(model, options);
        var before = trainer.Evaluate(heldOutLoader);
        var clock = Stopwatch.StartNew();

        var result = trainer.Fit(trainLoader, heldOutLoader);

        var after = result.LastEvaluation!;
        output.WriteLine($"Fashion-MNIST, 512 train / 500 held-out images, 2 blocks x 64 wide: {result.Steps} updates in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"epoch train losses: {string.Join(", ", result.EpochLosses.Select(l => l.ToString("F3", CultureInfo.InvariantCulture)))}");
        output.WriteLine($"held-out before: loss {before.Loss:F3} top-1 {before.Top1Accuracy:P1}; after: loss {after.Loss:F3} top-1 {after.Top1Accuracy:P1} top-5 {after.Top5Accuracy:P1}");
        result.Steps.Should().Be(320);
        result.EpochLosses[^1].Should().BeLessThan(0.5 * result.EpochLosses[0]);
        after.Loss.Should().BeLessThan(before.Loss - 0.5);
        after.Top1Accuracy.Should().BeGreaterThan(0.55, "chance is 0.10");
    }
}
