using FluentAssertions;
using TorchSharp;
using Vit.Core;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

/// <summary>
/// Models with buffers (BatchNorm's float running statistics and int64 batch count): the EMA lerps the statistics as
/// timm's ModelEmaV3 does and copies the count, evaluation and checkpoints carry them, data parallelism broadcasts
/// them, and lower precisions leave the count an integer.
/// </summary>
public sealed partial class TrainerTests
{
    private const string RunningMean = "running_mean";
    private const string BatchCount = "num_batches_tracked";

    [Theory]
    [InlineData(BufferModels.ConvNet)]
    [InlineData(BufferModels.StemVit)]
    public void Ema_ModelWithBatchNorm_LerpsTheRunningStatisticsAndCopiesTheBatchCount(string kind)
    {
        using var model = BufferModels.Build(kind, seed: 5);
        using var trainer = new Trainer(model, EmaOptions(decay: 0.5));
        using var average = BufferModels.Build(kind, seed: 99);
        var expected = BufferModels.Buffers(model);
        expected.Keys.Should().Contain(k => k.EndsWith(BatchCount, StringComparison.Ordinal));

        for (int t = 0; t < 2; t++)
        {
            Train(trainer, t);
            var current = BufferModels.Buffers(model);
            foreach (var name in expected.Keys.ToList())
            {
                // The lerp in float64 from the EMA's float32 value and the model's new one, rounded once to float32:
                // with decay 0.5 both halves are exact, so float32 arithmetic gives these bits.
                var next = current[name].is_floating_point()
                    ? expected[name].to(ScalarType.Float64).mul(0.5).add(current[name].to(ScalarType.Float64).mul(0.5)).to(current[name].dtype)
                    : current[name].clone();
                expected[name].Dispose();
                expected[name] = next.DetachFromDisposeScope();
            }

            trainer.Ema!.CopyTo(average);
            var copied = average.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            foreach (var (name, value) in expected)
            {
                copied[name].dtype.Should().Be(value.dtype, name);
                copied[name].equal(value).all().item<bool>().Should().BeTrue("{0} after update {1} is the lerp of the model's values", name, t + 1);
            }

            foreach (var name in expected.Keys.Where(k => k.EndsWith(BatchCount, StringComparison.Ordinal)))
            {
                copied[name].item<long>().Should().Be(t + 1, "the count is copied, not averaged");
            }

            foreach (var name in expected.Keys.Where(k => k.EndsWith(RunningMean, StringComparison.Ordinal)))
            {
                copied[name].equal(current[name]).all().item<bool>().Should().BeFalse("the averaged {0} lags the model's", name);
            }

            BufferModels.Free(current);
        }

        BufferModels.Free(expected);
    }

    [Fact]
    public void EvaluateEma_ModelWithBatchNorm_UsesTheAveragedStatisticsAndRestoresTheModelsBitForBit()
    {
        using var model = BufferModels.Build(BufferModels.StemVit, seed: 5);
        using var trainer = new Trainer(model, EmaOptions(decay: 0.7));
        for (int t = 0; t < 3; t++)
        {
            Train(trainer, t);
        }

        using var snapshot = BufferModels.Build(BufferModels.StemVit, seed: 99);
        BufferModels.CopyState(model, snapshot);
        using var copy = BufferModels.Build(BufferModels.StemVit, seed: 98);
        trainer.Ema!.CopyTo(copy);
        using var withModelStatistics = BufferModels.Build(BufferModels.StemVit, seed: 97);
        trainer.Ema.CopyTo(withModelStatistics);
        using (no_grad())
        {
            var live = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            foreach (var (name, buffer) in withModelStatistics.named_buffers())
            {
                buffer.copy_(live[name]);
            }
        }

        var (images, labels) = TestModels.RandomBatch(32, seed: 48);

        var byTrainer = trainer.EvaluateEma([(images, labels)]);
        using var other = new Trainer(copy, StepOptions());
        var byCopy = other.Evaluate(images, labels);
        using var third = new Trainer(withModelStatistics, StepOptions());
        var averagedWeightsOnly = third.Evaluate(images, labels);

        byTrainer.Should().Be(byCopy);
        averagedWeightsOnly.Loss.Should().NotBe(byTrainer.Loss, "eval mode normalises with the averaged running statistics");
        BufferModels.BitIdentical(model, snapshot).Should().BeTrue("the trained weights and statistics are back, bit for bit");
    }

    [Theory]
    [InlineData(BufferModels.ConvNet)]
    [InlineData(BufferModels.StemVit)]
    public void LoadCheckpoint_ModelWithBatchNormAndEma_StoresTheBuffersInTheirDtypesAndResumesBitIdentically(string kind)
    {
        var options = EmaOptions(decay: 0.8);
        options.Seed = 7;
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "bn.safetensors");
        using var straight = BufferModels.Build(kind, seed: 5);
        using var straightAverage = BufferModels.Build(kind, seed: 50);
        using var savedAverage = BufferModels.Build(kind, seed: 52);
        using (var trainer = new Trainer(straight, options))
        {
            for (int t = 0; t < 5; t++)
            {
                Train(trainer, t);
                if (t == 1)
                {
                    trainer.SaveCheckpoint(path);
                    trainer.Ema!.CopyTo(savedAverage);
                }
            }

            trainer.Ema!.CopyTo(straightAverage);
        }

        var stored = SafeTensors.Load(path);
        try
        {
            var counts = stored.Where(p => p.Key.EndsWith(BatchCount, StringComparison.Ordinal)).ToList();
            counts.Select(p => p.Key).Should().Contain(k => k.StartsWith("model/", StringComparison.Ordinal))
                .And.Contain(k => k.StartsWith("ema_buffers/", StringComparison.Ordinal));
            counts.Should().OnlyContain(p => p.Value.dtype == ScalarType.Int64 && p.Value.item<long>() == 2);
            stored.Where(p => p.Key.EndsWith(RunningMean, StringComparison.Ordinal)).Should().NotBeEmpty()
                .And.OnlyContain(p => p.Value.dtype == ScalarType.Float32);
        }
        finally
        {
            foreach (var tensor in stored.Values)
            {
                tensor.Dispose();
            }
        }

        using var resumed = BufferModels.Build(kind, seed: 1234);
        using var loadedAverage = BufferModels.Build(kind, seed: 53);
        using var resumedAverage = BufferModels.Build(kind, seed: 51);
        using (var trainer = new Trainer(resumed, options))
        {
            trainer.LoadCheckpoint(path);
            trainer.Ema!.CopyTo(loadedAverage);
            for (int t = 2; t < 5; t++)
            {
                Train(trainer, t);
            }

            trainer.Ema!.CopyTo(resumedAverage);
        }

        BufferModels.BitIdentical(loadedAverage, savedAverage).Should().BeTrue("the EMA's statistics and count come back bit for bit");
        BufferModels.BitIdentical(straight, resumed).Should().BeTrue();
        BufferModels.BitIdentical(straightAverage, resumedAverage).Should().BeTrue();
        BufferModels.BitIdentical(straightAverage, straight).Should().BeFalse();
    }

    [Fact]
    public void TrainStep_DataParallelModelWithBuffers_BroadcastsEveryBufferAfterEachUpdateSkippedOrNot()
    {
        using var model = BatchNormConvNet.Build(seed: 4);
        var options = StepOptions();
        options.NonFiniteHandling = NonFiniteHandling.SkipUpdate;
        var group = new MirroredProcessGroup(rank: 0, size: 2);
        using var trainer = new Trainer(model, options, group);
        var buffers = model.named_buffers().Select(b => (b.buffer.dtype, b.buffer.numel())).ToList();
        buffers.Should().Equal((ScalarType.Float32, 8L), (ScalarType.Float32, 8L), (ScalarType.Int64, 1L));

        group.Broadcasts.Clear();
        Train(trainer, 0);
        group.Broadcasts.Should().Equal(buffers, "rank 0's buffers reach every rank after the update");

        group.Broadcasts.Clear();
        var (images, labels) = TestModels.RandomBatch(8, seed: 3);
        images[0, 0, 0, 0] = tensor(float.NaN);
        trainer.TrainStep(images, labels);
        trainer.SkippedSteps.Should().Be(1);
        group.Broadcasts.Should().Equal(buffers, "a skipped update's forward moved each rank's statistics too");
    }

    [Theory]
    [InlineData(NonFiniteHandling.SkipUpdate)]
    [InlineData(NonFiniteHandling.Throw)]
    public void TrainStep_NaNBatch_LeavesTheRunningStatisticsAndCountAsTheyWere(NonFiniteHandling handling)
    {
        using var model = BatchNormConvNet.Build(seed: 4);
        var options = StepOptions();
        options.NonFiniteHandling = handling;
        using var trainer = new Trainer(model, options);
        Train(trainer, 0);
        var before = BufferModels.Buffers(model);
        var (images, labels) = TestModels.RandomBatch(8, seed: 3);
        images[0, 0, 0, 0] = tensor(float.NaN);

        if (handling == NonFiniteHandling.Throw)
        {
            FluentActions.Invoking(() => trainer.TrainStep(images, labels)).Should().Throw<TrainingDivergedException>();
        }
        else
        {
            float.IsNaN(trainer.TrainStep(images, labels)).Should().BeTrue();
            trainer.SkippedSteps.Should().Be(1);
        }

        foreach (var (name, buffer) in model.named_buffers())
        {
            buffer.equal(before[name]).all().item<bool>().Should().BeTrue("{0} is not moved by the dropped update's forward (it would be NaN)", name);
        }

        var (checkImages, checkLabels) = TestModels.RandomBatch(16, seed: 4);
        double.IsFinite(trainer.Evaluate(checkImages, checkLabels).Loss).Should().BeTrue("eval mode normalises with the kept statistics");
        BufferModels.Free(before);
    }

    [Fact]
    public void TrainStep_SoftTargetsOfTheWrongWidth_ThrowsAndLeavesTheBuffersAsTheyWere()
    {
        using var model = BatchNormConvNet.Build(seed: 4);
        using var trainer = new Trainer(model, StepOptions());
        var before = BufferModels.Buffers(model);
        using var images = rand(8, 3, 16, 16);
        using var soft = full(8, 4, 0.25f);

        // The width is checked against the logits, after the forward moved the statistics.
        FluentActions.Invoking(() => trainer.TrainStep(images, soft)).Should().Throw<ArgumentException>()
            .WithMessage("Soft targets must have shape [8, 5]*");

        foreach (var (name, buffer) in model.named_buffers())
        {
            buffer.equal(before[name]).all().item<bool>().Should().BeTrue(name);
        }

        BufferModels.Free(before);
    }

    [Fact]
    public void TrainStep_Float16OverflowWithBatchNorm_KeepsTheStatisticsTheForwardMovedAsGradScaler()
    {
        using var model = BufferModels.Build(BufferModels.StemVit, seed: 5);
        var options = StepOptions();
        options.Precision = ScalarType.Float16;
        options.InitialLossScale = Math.Pow(2, 100);
        using var trainer = new Trainer(model, options);
        var before = BufferModels.Buffers(model);

        Train(trainer, 0);

        trainer.OverflowSteps.Should().Be(1, "2^100 times the loss overflows fp16 gradients");
        var after = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        after["patch_embed.backbone.0.bn.num_batches_tracked"].item<long>().Should().Be(1, "the finite forward counted its batch, as with PyTorch");
        after["patch_embed.backbone.0.bn.running_mean"].equal(before["patch_embed.backbone.0.bn.running_mean"]).all().item<bool>().Should().BeFalse();
        isfinite(after["patch_embed.backbone.0.bn.running_var"]).all().item<bool>().Should().BeTrue();
        BufferModels.Free(before);
    }

    [Fact]
    public void TrainStep_BFloat16WithBatchNorm_KeepsFloat32StatisticsAndAnInt64Count()
    {
        using var model = BufferModels.Build(BufferModels.StemVit, seed: 5);
        var options = EmaOptions(decay: 0.5);
        options.Precision = ScalarType.BFloat16;
        using var trainer = new Trainer(model, options);
        for (int t = 0; t < 2; t++)
        {
            Train(trainer, t);
        }

        using var average = BufferModels.Build(BufferModels.StemVit, seed: 99);
        trainer.Ema!.CopyTo(average);
        foreach (var module in new[] { model, average })
        {
            var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            buffers["patch_embed.backbone.0.bn.running_mean"].dtype.Should().Be(ScalarType.Float32);
            buffers["patch_embed.backbone.0.bn.running_var"].dtype.Should().Be(ScalarType.Float32);
            buffers["patch_embed.backbone.0.bn.num_batches_tracked"].dtype.Should().Be(ScalarType.Int64);
            buffers["patch_embed.backbone.0.bn.num_batches_tracked"].item<long>().Should().Be(2);
        }
    }

    [Fact]
    public void CopyTo_BFloat16TargetWithBatchNorm_RoundsTheStatisticsAndKeepsTheCountInt64()
    {
        using var model = BufferModels.Build(BufferModels.StemVit, seed: 5);
        using var trainer = new Trainer(model, EmaOptions(decay: 0.5));
        for (int t = 0; t < 2; t++)
        {
            Train(trainer, t);
        }

        using var full = BufferModels.Build(BufferModels.StemVit, seed: 98);
        trainer.Ema!.CopyTo(full);
        using var half = (VisionTransformer)BufferModels.Build(BufferModels.StemVit, seed: 99);
        half.to(ScalarType.BFloat16);
        var count = half.named_buffers().Single(b => b.name.EndsWith(BatchCount, StringComparison.Ordinal)).buffer;
        count.dtype.Should().Be(ScalarType.Int64, "module.to(BFloat16) converts floating-point tensors only");

        trainer.Ema.CopyTo(half);

        var fullBuffers = full.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in half.named_buffers())
        {
            var expected = fullBuffers[name].is_floating_point() ? fullBuffers[name].to(ScalarType.BFloat16) : fullBuffers[name];
            buffer.dtype.Should().Be(expected.dtype, name);
            buffer.equal(expected).all().item<bool>().Should().BeTrue(name);
        }

        half.named_buffers().Single(b => b.name.EndsWith(BatchCount, StringComparison.Ordinal)).buffer.item<long>().Should().Be(2);
        using var images = TestModels.RandomBatch(4, seed: 9).Images.to(ScalarType.BFloat16);
        half.eval();
        using (no_grad())
        {
            using var logits = half.call(images);
            isfinite(logits).all().item<bool>().Should().BeTrue("the bf16 copy runs with its bf16 statistics");
        }
    }
}
