using FluentAssertions;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void ComputeGradients_SoftTargets_EqualPyTorchCrossEntropyWithProbabilities(double smoothing)
    {
        var options = StepOptions();
        options.LabelSmoothing = smoothing;
        using var model = TestModels.Build(TestModels.Tiny(), seed: 12);
        SpreadHead(model);
        using var trainer = new Trainer(model, options);
        var (images, labels) = TestModels.RandomBatch(8, seed: 40);
        using var soft = SoftTargets(labels, seed: 41);
        using var scope = NewDisposeScope();

        float softLoss = trainer.ComputeGradients(images, soft).item<float>();
        float hardLoss = trainer.ComputeGradients(images, labels).item<float>();

        // PyTorch's definition in double on the host: mean over rows of -sum_k ((1 - s) p_k + s / K) log_softmax(z)_k.
        double[,] logits = HostLogits(model, images);
        var p = soft.data<float>().ToArray();
        var y = labels.data<long>().ToArray();
        double expectedSoft = 0, expectedHard = 0;
        for (int i = 0; i < 8; i++)
        {
            double max = Enumerable.Range(0, 5).Max(k => logits[i, k]);
            double logSum = max + Math.Log(Enumerable.Range(0, 5).Sum(k => Math.Exp(logits[i, k] - max)));
            for (int k = 0; k < 5; k++)
            {
                double logProbability = logits[i, k] - logSum;
                expectedSoft -= (((1 - smoothing) * p[(i * 5) + k]) + (smoothing / 5)) * logProbability / 8;
                expectedHard -= (((1 - smoothing) * (y[i] == k ? 1 : 0)) + (smoothing / 5)) * logProbability / 8;
            }
        }

        output.WriteLine($"smoothing {smoothing}: soft loss {softLoss:R} (formula {expectedSoft:R}), hard loss {hardLoss:R} (formula {expectedHard:R})");
        softLoss.Should().BeApproximately((float)expectedSoft, 1e-6f);
        hardLoss.Should().BeApproximately((float)expectedHard, 1e-6f);
        Math.Abs(softLoss - hardLoss).Should().BeGreaterThan(1e-3f, "the soft rows are not the one-hot labels");
    }

    [Fact]
    public void Evaluate_SoftTargets_LossAgainstProbabilitiesAccuracyAgainstTheirMostProbableClass()
    {
        using var model = TestModels.Build(TestModels.Tiny(), seed: 12);
        SpreadHead(model);
        using var trainer = new Trainer(model, StepOptions());
        var (images, labels) = TestModels.RandomBatch(32, seed: 42);
        using var soft = SoftTargets(labels, seed: 43);
        using var argmax = soft.argmax(1);

        var bySoft = trainer.Evaluate(images, soft);
        var byArgmax = trainer.Evaluate(images, argmax);

        double[,] logits = HostLogits(model, images);
        var p = soft.data<float>().ToArray();
        double expected = 0;
        for (int i = 0; i < 32; i++)
        {
            double max = Enumerable.Range(0, 5).Max(k => logits[i, k]);
            double logSum = max + Math.Log(Enumerable.Range(0, 5).Sum(k => Math.Exp(logits[i, k] - max)));
            expected -= Enumerable.Range(0, 5).Sum(k => p[(i * 5) + k] * (logits[i, k] - logSum)) / 32;
        }

        bySoft.Loss.Should().BeApproximately(expected, 1e-5);
        bySoft.Top1Accuracy.Should().Be(byArgmax.Top1Accuracy);
        bySoft.Loss.Should().NotBe(byArgmax.Loss);
    }

    [Fact]
    public void TrainStep_BadTargets_ThrowNamingValueAndExpectation()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        using var images = rand(8, 3, 16, 16);

        using (var wrongClasses = full(8, 4, 0.25f))
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, wrongClasses)).Should().Throw<ArgumentException>()
                .WithMessage("Soft targets must have shape [8, 5] (batch, classes of the model); got [8, 4].*");
        }

        using (var wrongRows = full(6, 5, 0.2f))
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, wrongRows)).Should().Throw<ArgumentException>()
                .WithMessage("images has 8 samples but targets has 6.*");
        }

        using (var bytes = zeros(new long[] { 8 }, ScalarType.Byte))
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, bytes)).Should().Throw<ArgumentException>()
                .WithMessage("targets must be int64 class indices [B] or floating-point probabilities [B, K]; got Byte with shape [8].*");
        }

        using (var floats1d = zeros(8))
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, floats1d)).Should().Throw<ArgumentException>()
                .WithMessage("targets must be int64 class indices [B] or floating-point probabilities [B, K]; got Float32 with shape [8].*");
        }

        trainer.Step.Should().Be(0);
    }

    [Fact]
    public void TrainStep_CustomLoss_TrainsWithItOnTargetsOfItsOwn()
    {
        // Multi-label targets (several classes on at once) with binary cross-entropy: not a cross-entropy problem.
        using var model = TestModels.Build(TestModels.Tiny(), seed: 12);
        SpreadHead(model);
        using var trainer = new Trainer(model, StepOptions(accumulation: 2))
        {
            Loss = (logits, targets) => binary_cross_entropy_with_logits(logits, targets),
        };
        var (images, _) = TestModels.RandomBatch(8, seed: 44);
        using var multiHot = (rand(8, 5, generator: new Generator(45)) > 0.5).to(ScalarType.Float32);
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        double[,] logits = HostLogits(model, images);
        float loss = trainer.TrainStep(images, multiHot);

        var t = multiHot.data<float>().ToArray();
        double expected = 0;
        for (int i = 0; i < 8; i++)
        {
            for (int k = 0; k < 5; k++)
            {
                double z = logits[i, k];
                // log(1 + e^z) - t z, the stable form of -[t log s(z) + (1 - t) log(1 - s(z))].
                expected += (Math.Max(z, 0) - (z * t[(i * 5) + k]) + Math.Log(1 + Math.Exp(-Math.Abs(z)))) / 40;
            }
        }

        loss.Should().BeApproximately((float)expected, 1e-6f);
        TestModels.BitIdentical(model, before).Should().BeFalse();
    }

    [Fact]
    public void TrainStep_CustomLossReturningAVector_ThrowsBeforeTheUpdate()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions())
        {
            Loss = (logits, targets) => cross_entropy(logits, targets, reduction: nn.Reduction.None),
        };
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);

        FluentActions.Invoking(() => Train(trainer, 0)).Should().Throw<InvalidOperationException>()
            .WithMessage("Trainer.Loss must return the batch's mean loss as a floating-point scalar; it returned Float32 [8].");
        TestModels.BitIdentical(model, before).Should().BeTrue();
        trainer.Step.Should().Be(0);
    }

    [Fact]
    public void TrainStep_LabelsAlreadyOnTheDevice_CheckedWithTheUpdatesOneWait()
    {
        // The path of labels that live on a GPU, taken on the CPU: range checked on the device, loss read clamped.
        using var onDevice = TestModels.Build(TestModels.Tiny(), seed: 3);
        using var onHost = TestModels.Build(TestModels.Tiny(), seed: 3);
        using var deviceTrainer = new Trainer(onDevice, StepOptions(accumulation: 2));
        using var hostTrainer = new Trainer(onHost, StepOptions(accumulation: 2));
        deviceTrainer.Checks.TreatCpuLabelsAsOnDevice = true;
        using var images = rand(8, 3, 16, 16, generator: new Generator(46));
        using var bad = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 7 });
        using var good = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2 });
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(onDevice, before);

        FluentActions.Invoking(() => deviceTrainer.TrainStep(images, bad)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("labels must be in [0, 5) for this model; found values from 0 to 7.*");
        TestModels.BitIdentical(onDevice, before).Should().BeTrue("the update was refused before AdamW ran");
        deviceTrainer.Step.Should().Be(0);

        float deviceLoss = deviceTrainer.TrainStep(images, good);
        float hostLoss = hostTrainer.TrainStep(images, good);
        deviceLoss.Should().Be(hostLoss);
        TestModels.BitIdentical(onDevice, onHost).Should().BeTrue();
    }

    /// <summary>Random probability rows leaning towards the labels (a Mixup-like batch).</summary>
    private static Tensor SoftTargets(Tensor labels, long seed)
    {
        using var scope = NewDisposeScope();
        var noise = rand(labels.shape[0], 5, generator: new Generator((ulong)seed));
        var rows = (noise + (one_hot(labels, 5).to(ScalarType.Float32) * 2)).softmax(1);
        return rows.MoveToOuterDisposeScope();
    }

    /// <summary>The zero-initialised head ties all logits (timm): give it weights so the losses differ.</summary>
    private static void SpreadHead(Vit.Core.VisionTransformer model)
    {
        using var noGrad = no_grad();
        model.state_dict()["head.weight"].normal_(0, 1, generator: new Generator(47));
    }

    private static double[,] HostLogits(nn.Module<Tensor, Tensor> model, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.call(images);
        var values = logits.to(ScalarType.Float64).data<double>().ToArray();
        var result = new double[logits.shape[0], logits.shape[1]];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(double));
        return result;
    }
}
