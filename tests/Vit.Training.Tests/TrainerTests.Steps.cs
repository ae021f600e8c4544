using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    private static TrainerOptions StepOptions(int accumulation = 1) => new()
    {
        LearningRate = 1e-3,
        WeightDecay = 0.05,
        WarmupSteps = 2,
        TotalSteps = 8,
        WarmupInitialLearningRate = 1e-4,
        GradientClipNorm = 1.0,
        LabelSmoothing = 0.1,
        AccumulationSteps = accumulation,
    };

    [Fact]
    public void ComputeGradients_FourMicroBatches_EqualWholeBatchGradients()
    {
        using var whole = TestModels.Build(TestModels.Tiny(), seed: 3);
        using var split = TestModels.Build(TestModels.Tiny(), seed: 3);
        using var wholeTrainer = new Trainer(whole, StepOptions(accumulation: 1));
        using var splitTrainer = new Trainer(split, StepOptions(accumulation: 4));
        var (images, labels) = TestModels.RandomBatch(16, seed: 100);
        using var scope = NewDisposeScope();

        float a = wholeTrainer.ComputeGradients(images, labels).item<float>();
        float b = splitTrainer.ComputeGradients(images, labels).item<float>();

        double gradientError = 0, largest = 0;
        var wholeParameters = whole.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in split.named_parameters())
        {
            var expected = wholeParameters[name].grad!;
            gradientError = Math.Max(gradientError, (parameter.grad! - expected).abs().max().item<float>());
            largest = Math.Max(largest, expected.abs().max().item<float>());
        }

        output.WriteLine($"accumulation 4 vs 1: |loss diff| = {Math.Abs(a - b):E2}, max |grad diff| = {gradientError:E2} (largest |grad| {largest:E2})");
        Math.Abs(a - b).Should().BeLessThan(1e-6f);
        gradientError.Should().BeLessThan(1e-6 * Math.Max(1, largest));
    }

    [Fact]
    public void TrainStep_FourMicroBatches_TracksOneStepOnTheWholeBatch()
    {
        using var whole = TestModels.Build(TestModels.Tiny(), seed: 3);
        using var split = TestModels.Build(TestModels.Tiny(), seed: 3);
        using var wholeTrainer = new Trainer(whole, StepOptions(accumulation: 1));
        using var splitTrainer = new Trainer(split, StepOptions(accumulation: 4));

        double lossError = 0, normError = 0;
        for (int t = 0; t < 3; t++)
        {
            var (images, labels) = TestModels.RandomBatch(16, seed: 100 + t);
            using (images)
            using (labels)
            {
                lossError = Math.Max(lossError, Math.Abs(wholeTrainer.TrainStep(images, labels) - splitTrainer.TrainStep(images, labels)));
                normError = Math.Max(normError, Math.Abs(wholeTrainer.LastGradientNorm - splitTrainer.LastGradientNorm));
            }
        }

        double weightError = TestModels.MaxAbsDifference(split, whole.state_dict());
        output.WriteLine($"accumulation 4 vs 1 over 3 updates: max |loss diff| = {lossError:E2}, max |grad norm diff| = {normError:E2}, max |weight diff| = {weightError:E2}");
        lossError.Should().BeLessThan(1e-6);
        normError.Should().BeLessThan(1e-5, "a missing 1/k would show here as a 4x norm");
        splitTrainer.Step.Should().Be(3, "each logical batch is one update whatever the accumulation");
        // Adam divides by sqrt(v): where a gradient is close to zero, its rounding noise can become a step of up to
        // lr (1e-3), so the weights agree to far less than lr but not to the last bit.
        weightError.Should().BeLessThan(1e-4);
    }

    [Fact]
    public void TrainStep_ManySteps_LeavesNoTensorOutsideADisposeScope()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var options = StepOptions(accumulation: 2);
        options.TotalSteps = 20;
        options.EmaDecay = 0.9;
        options.LayerDecay = 0.75;
        using var trainer = new Trainer(model, options);
        var (images, labels) = TestModels.RandomBatch(8, seed: 4);
        trainer.TrainStep(images, labels);
        trainer.Evaluate(images, labels);
        trainer.EvaluateEma([(images, labels)]);
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        long createdOutside = statistics.CreatedOutsideScopeCount;
        long live = statistics.ThreadTotalLiveCount;

        for (int t = 0; t < 5; t++)
        {
            trainer.TrainStep(images, labels);
            trainer.Evaluate(images, labels);
            trainer.EvaluateEma([(images, labels)]);
        }

        statistics.CreatedOutsideScopeCount.Should().Be(createdOutside, "every tensor of a step is created inside a dispose scope");
        statistics.ThreadTotalLiveCount.Should().Be(live, "and freed when the step ends");
    }

    [Fact]
    public void TrainStep_ResumedFromCheckpoint_IsBitIdenticalToStraightRun()
    {
        // Dropout and drop-path on: the generator state must travel with the checkpoint.
        var architecture = TestModels.Tiny(dropout: 0.1, dropPath: 0.2);
        var options = StepOptions();
        options.Seed = 7;
        using var straight = TestModels.Build(architecture, seed: 5);
        using (var trainer = new Trainer(straight, options))
        {
            for (int t = 0; t < 6; t++)
            {
                Train(trainer, t);
            }
        }

        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "step3.safetensors");
        using (var first = TestModels.Build(architecture, seed: 5))
        using (var trainer = new Trainer(first, options))
        {
            for (int t = 0; t < 3; t++)
            {
                Train(trainer, t);
            }

            trainer.SaveCheckpoint(path);
        }

        // A new process: another initialisation and other random draws before the resume.
        using var resumed = TestModels.Build(architecture, seed: 1234);
        using (var trainer = new Trainer(resumed, options))
        {
            trainer.LoadCheckpoint(path);
            using var noise = rand(1000);
            trainer.Step.Should().Be(3);
            for (int t = 3; t < 6; t++)
            {
                Train(trainer, t);
            }
        }

        TestModels.BitIdentical(straight, resumed).Should().BeTrue();

        // Control: the run does depend on the generator, so the comparison above can fail.
        var otherSeed = StepOptions();
        otherSeed.Seed = 8;
        using var control = TestModels.Build(architecture, seed: 5);
        using (var trainer = new Trainer(control, otherSeed))
        {
            for (int t = 0; t < 6; t++)
            {
                Train(trainer, t);
            }
        }

        TestModels.BitIdentical(straight, control).Should().BeFalse();
    }

    [Fact]
    public void TrainStep_TotalStepsUnknown_ExplainsWhatToSet()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, new TrainerOptions());
        var (images, labels) = TestModels.RandomBatch(4, seed: 1);

        FluentActions.Invoking(() => trainer.TrainStep(images, labels)).Should().Throw<InvalidOperationException>()
            .WithMessage("TrainerOptions.TotalSteps is 0: set it for TrainStep loops, or use Fit*");
    }

    [Fact]
    public void TrainStep_ScaledLearningRate_FollowsBatchOver512()
    {
        var options = StepOptions();
        options.WarmupSteps = 0;
        options.LearningRateDecay = LearningRateDecay.Constant;
        options.ScaleLearningRateByBatchSize = true;
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, options);

        Train(trainer, 0, batch: 16);

        trainer.LastLearningRate.Should().BeApproximately(1e-3 * 16 / 512, 1e-18);
    }

    private static void Train(Trainer trainer, int t, int batch = 8)
    {
        var (images, labels) = TestModels.RandomBatch(batch, seed: 1000 + t);
        using (images)
        using (labels)
        {
            trainer.TrainStep(images, labels);
        }
    }

    private static void CopyState(Vit.Core.VisionTransformer from, Vit.Core.VisionTransformer to)
    {
        using var noGrad = no_grad();
        var target = to.state_dict();
        foreach (var (name, tensor) in from.state_dict())
        {
            target[name].copy_(tensor);
        }
    }
}
