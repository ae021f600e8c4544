using System.Globalization;
using FluentAssertions;
using TorchSharp;
using Vit.Core;
using Vit.Data;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void TrainStep_BFloat16OnFashionMnist_TracksFloat32LossesAndKeepsFloat32MasterWeights()
    {
        using var shipped = FashionMnist.LoadTest(TestFiles.InRepository("data/fashion-mnist"));
        // 60 batches of 32 from the split that ships with the repository, the same batches for both precisions.
        var images = new SubsetDataset(shipped, Enumerable.Range(0, 60 * 32).ToArray());
        using var loader = new BatchLoader(images, new BatchLoaderOptions { BatchSize = 32, Shuffle = false }, [new Normalize([0.286f], [0.353f])]);
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
        var options = new TrainerOptions { LearningRate = 2e-3, WarmupSteps = 5, TotalSteps = 60, GradientClipNorm = 1.0 };
        using var fp32Model = TestModels.Build(architecture, seed: 0);
        using var bf16Model = TestModels.Build(architecture, seed: 0);
        using var fp32 = new Trainer(fp32Model, options);
        options.Precision = ScalarType.BFloat16;
        using var bf16 = new Trainer(bf16Model, options);
        var fp32Losses = new List<float>();
        var bf16Losses = new List<float>();

        foreach (var batch in loader.Epoch(0))
        {
            fp32Losses.Add(fp32.TrainStep(batch.Images, batch.Labels));
            bf16Losses.Add(bf16.TrainStep(batch.Images, batch.Labels));
        }

        var relative = fp32Losses.Zip(bf16Losses, (a, b) => Math.Abs(b - a) / a).ToArray();
        output.WriteLine($"60 steps, fp32 losses: {string.Join(", ", fp32Losses.Select(l => l.ToString("F4", CultureInfo.InvariantCulture)))}");
        output.WriteLine($"bf16 losses: {string.Join(", ", bf16Losses.Select(l => l.ToString("F4", CultureInfo.InvariantCulture)))}");
        output.WriteLine($"max relative difference {relative.Max():P2} (step {Array.IndexOf(relative, relative.Max())}), mean {relative.Average():P2}");
        fp32Losses.Should().HaveCount(60);
        relative.Should().OnlyContain(r => r <= 0.05, "bf16 autocast tracks fp32 within 5% at every step");
        fp32Losses.Should().NotEqual(bf16Losses, "the bf16 trainer ran its matrix products in bf16");
        ((double)bf16Losses.Skip(50).Average()).Should().BeLessThan(0.75 * bf16Losses.Take(5).Average(), "bf16 training learns");
        bf16Model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32, "parameters stay fp32 master weights");
        bf16Model.parameters().Select(p => p.grad?.dtype).Should().OnlyContain(d => d == ScalarType.Float32, "gradients arrive in fp32");
        foreach (var state in bf16.Optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>())
        {
            state.exp_avg.dtype.Should().Be(ScalarType.Float32);
            state.exp_avg_sq.dtype.Should().Be(ScalarType.Float32);
            state.step.Should().Be(60);
        }

        bf16.LossScale.Should().Be(1, "bf16 needs no loss scaling");
    }

    [Fact]
    public void TrainStep_Float16HugeInitialScale_SkipsOverflowsBacksOffAndKeepsTraining()
    {
        var options = StepOptions();
        options.Precision = ScalarType.Float16;
        options.TotalSteps = 400;
        options.InitialLossScale = Math.Pow(2, 100);
        options.EmaDecay = 0.5;
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, options);
        using var before = TestModels.Build(TestModels.Tiny());
        CopyState(model, before);
        var results = new List<TrainingStepResult>();
        trainer.Callbacks.Add(new RecordingCallback(results));

        Train(trainer, 0);

        // 2^100 times a gradient of the logits of order 0.01 is far beyond fp16's 65504: the step overflows.
        results.Should().ContainSingle().Which.Overflowed.Should().BeTrue();
        results[0].Skipped.Should().BeTrue();
        results[0].LossScale.Should().Be(Math.Pow(2, 100));
        float.IsFinite(results[0].Loss).Should().BeTrue("the fp32 loss itself is fine; only the scaled gradients overflowed");
        TestModels.BitIdentical(model, before).Should().BeTrue("an overflowing update is skipped");
        using (var average = TestModels.Build(TestModels.Tiny(), seed: 99))
        {
            trainer.Ema!.CopyTo(average);
            TestModels.BitIdentical(average, before).Should().BeTrue("the EMA is untouched");
        }

        trainer.Optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().Should().OnlyContain(s => s.step == 0, "AdamW's step counts are untouched");
        trainer.LossScale.Should().Be(Math.Pow(2, 99), "backoff 0.5");
        trainer.OverflowSteps.Should().Be(1);
        trainer.SkippedSteps.Should().Be(0, "an overflow is not divergence, and NonFiniteHandling.Throw did not throw");
        trainer.Step.Should().Be(1, "the schedule moves on, as with PyTorch's GradScaler loop");
        trainer.LastLearningRate.Should().Be(1e-4, "update 0 ran at the warmup's first rate");

        // Keep going: each overflow halves the scale until the gradients fit, then updates happen.
        int t = 1;
        while (trainer.OverflowSteps == t && t < 200)
        {
            Train(trainer, t++);
        }

        int overflows = trainer.OverflowSteps;
        output.WriteLine($"{overflows} overflows before the first finite update; scale then 2^{Math.Log2(trainer.LossScale)}");
        overflows.Should().BeInRange(80, 110, "a fp16 ViT's gradients fit once the scale is about 2^0 to 2^20");
        trainer.LossScale.Should().Be(Math.Pow(2, 100 - overflows));
        results[^1].Overflowed.Should().BeFalse();
        results[^1].LossScale.Should().Be(Math.Pow(2, 100 - overflows));
        TestModels.BitIdentical(model, before).Should().BeFalse("the first update without overflow changed the weights");
        trainer.Optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().Should().OnlyContain(s => s.step == 1, "one real AdamW update");
    }

    [Fact]
    public void TrainStep_Float16_UnscalesBeforeTheNormAndGrowsAndBacksOffAsGradScaler()
    {
        // Small growth interval: the scale doubles every 2 finite updates and is halved by every overflow.
        var options = StepOptions();
        options.TotalSteps = 40;
        options.Precision = ScalarType.Float16;
        options.InitialLossScale = 256;
        options.LossScaleGrowthInterval = 2;
        using var reference = TestModels.Build(TestModels.Tiny());
        using var model = TestModels.Build(TestModels.Tiny());
        using var fp32 = new Trainer(reference, StepOptions());
        using var trainer = new Trainer(model, options);
        var results = new List<TrainingStepResult>();
        trainer.Callbacks.Add(new RecordingCallback(results));

        Train(fp32, 0);
        Train(trainer, 0);

        // Unscaled: the norm is the fp32 run's (fp16 rounding aside), not 256 times it.
        output.WriteLine($"first update: fp16 norm {trainer.LastGradientNorm:R} at scale 256, fp32 norm {fp32.LastGradientNorm:R}");
        (trainer.LastGradientNorm / fp32.LastGradientNorm).Should().BeInRange(0.98, 1.02);

        // PyTorch's GradScaler rule, written out here: expected scale and growth tracker after each update.
        double expected = 256;
        int tracker = 0;
        int growths = 0, backoffs = 0;
        for (int t = 0; t < 40; t++)
        {
            if (t > 0)
            {
                Train(trainer, t);
            }

            var step = results[^1];
            step.LossScale.Should().Be(expected, "update {0} used the scale the rule predicts", t);
            bool gradientsFinite = model.parameters().All(p => p.grad!.isfinite().all().item<bool>());
            step.Overflowed.Should().Be(!gradientsFinite, "update {0} overflowed exactly when its gradients did", t);
            if (step.Overflowed)
            {
                expected *= 0.5;
                tracker = 0;
                backoffs++;
            }
            else if (++tracker == 2)
            {
                expected *= 2;
                tracker = 0;
                growths++;
            }

            trainer.LossScale.Should().Be(expected, "after update {0}", t);
        }

        output.WriteLine($"40 updates from scale 256, growth interval 2: {growths} growths, {backoffs} backoffs, final scale {trainer.LossScale}");
        growths.Should().BeGreaterThan(backoffs, "most updates are finite, so the scale regrows after a backoff");
        backoffs.Should().BeGreaterThan(0, "doubling every 2 updates from 256 reaches fp16's overflow within 40 updates");
        trainer.OverflowSteps.Should().Be(backoffs);
        trainer.Optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().Should().OnlyContain(s => s.step == 40 - backoffs);
    }

    [Fact]
    public void TrainStep_Float16ResumedFromCheckpoint_IsBitIdenticalIncludingTheLossScale()
    {
        var architecture = TestModels.Tiny(dropout: 0.1);
        var options = StepOptions();
        options.TotalSteps = 12;
        options.Seed = 3;
        options.Precision = ScalarType.Float16;
        options.InitialLossScale = 1 << 20;
        options.LossScaleGrowthInterval = 2;
        var straightScales = new List<double>();
        using var straight = TestModels.Build(architecture, seed: 5);
        using (var trainer = new Trainer(straight, options))
        {
            for (int t = 0; t < 12; t++)
            {
                Train(trainer, t);
                straightScales.Add(trainer.LossScale);
            }

            output.WriteLine($"straight run: scales {string.Join(", ", straightScales)}; {trainer.OverflowSteps} overflows");
            trainer.OverflowSteps.Should().BeInRange(1, 11, "the run must both overflow and update for the test to say anything");
        }

        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "fp16.safetensors");
        using (var first = TestModels.Build(architecture, seed: 5))
        using (var trainer = new Trainer(first, options))
        {
            for (int t = 0; t < 6; t++)
            {
                Train(trainer, t);
            }

            trainer.SaveCheckpoint(path);
        }

        using var resumed = TestModels.Build(architecture, seed: 1234);
        var resumedScales = new List<double>();
        using (var trainer = new Trainer(resumed, options))
        {
            trainer.LoadCheckpoint(path);
            trainer.LossScale.Should().Be(straightScales[5], "the scale comes from the checkpoint, not InitialLossScale");
            for (int t = 6; t < 12; t++)
            {
                Train(trainer, t);
                resumedScales.Add(trainer.LossScale);
            }
        }

        resumedScales.Should().Equal(straightScales.Skip(6), "the growth counter travelled with the scale");
        TestModels.BitIdentical(straight, resumed).Should().BeTrue();
    }

    [Fact]
    public void LoadCheckpoint_Float16TrainerFromFloat32Run_StartsLossScalingAtTheInitialScale()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "fp32.safetensors");
        using (var model = TestModels.Build(TestModels.Tiny()))
        using (var trainer = new Trainer(model, StepOptions()))
        {
            Train(trainer, 0);
            trainer.LossScale.Should().Be(1);
            trainer.SaveCheckpoint(path);
        }

        var options = StepOptions();
        options.Precision = ScalarType.Float16;
        options.InitialLossScale = 4096;
        var logger = new ListLogger<Trainer>();
        using var resumed = TestModels.Build(TestModels.Tiny());
        using var fp16 = new Trainer(resumed, options, logger);

        fp16.LoadCheckpoint(path);

        fp16.Step.Should().Be(1);
        fp16.LossScale.Should().Be(4096);
        logger.Events.Select(e => e.Message).Should().Contain(m => m.Contains("no fp16 loss-scale state", StringComparison.Ordinal) && m.Contains("4096", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Constructor_LowerPrecisionWithLowPrecisionParameters_ThrowsSayingToKeepFloat32(ScalarType precision)
    {
        using var model = TestModels.Build(TestModels.Tiny());
        model.to(ScalarType.BFloat16);
        var options = StepOptions();
        options.Precision = precision;

        var act = () => new Trainer(model, options);

        act.Should().Throw<ArgumentException>()
            .WithMessage($"TrainerOptions.Precision is {precision}: mixed precision keeps fp32 master weights * parameter 'cls_token' is BFloat16. Keep the model in float32*");
    }

    [Fact]
    public void Constructor_BFloat16WithModulesAutocastDoesNotReach_WarnsNamingThem()
    {
        var vit = TestModels.Build(TestModels.Tiny());
        using var model = nn.Sequential(("vit", vit), ("extra", nn.Linear(5, 5)));
        var options = StepOptions();
        options.Precision = ScalarType.BFloat16;
        var logger = new ListLogger<Trainer>();

        using var trainer = new Trainer(model, options, logger);
        Train(trainer, 0);

        logger.Events.Select(e => e.Message).Should().ContainSingle(m => m.Contains("autocast does not reach", StringComparison.Ordinal))
            .Which.Should().EndWith(": extra (see Autocast.UncoveredModules)");
        model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);
    }

    [Fact]
    public void Evaluate_BFloat16Trainer_RunsUnderAutocastCloseToFloat32()
    {
        using var fp32Model = TestModels.Build(TestModels.Tiny(), seed: 8);
        using var bf16Model = TestModels.Build(TestModels.Tiny(), seed: 8);
        var options = StepOptions();
        using var fp32 = new Trainer(fp32Model, options);
        options.Precision = ScalarType.BFloat16;
        using var bf16 = new Trainer(bf16Model, options);
        var (images, labels) = TestModels.RandomBatch(32, seed: 81);

        var a = fp32.Evaluate(images, labels);
        var b = bf16.Evaluate(images, labels);

        output.WriteLine($"evaluation loss fp32 {a.Loss:R}, bf16 {b.Loss:R}");
        b.Loss.Should().NotBe(a.Loss, "the bf16 trainer evaluates with bf16 matrix products");
        b.Loss.Should().BeApproximately(a.Loss, 0.002 * a.Loss);
    }

    [Fact]
    public void TrainStep_Float16WithAccumulation_ScalesEachMicroBatchAndUnscalesTheSum()
    {
        using var whole = TestModels.Build(TestModels.Tiny(), seed: 4);
        using var split = TestModels.Build(TestModels.Tiny(), seed: 4);
        var options = StepOptions();
        options.Precision = ScalarType.Float16;
        options.InitialLossScale = 1024;
        using var wholeTrainer = new Trainer(whole, options);
        options.AccumulationSteps = 4;
        using var splitTrainer = new Trainer(split, options);
        var (images, labels) = TestModels.RandomBatch(16, seed: 44);

        float a = wholeTrainer.TrainStep(images, labels);
        float b = splitTrainer.TrainStep(images, labels);

        output.WriteLine($"1 x 16: loss {a:R} norm {wholeTrainer.LastGradientNorm:R}; 4 x 4: loss {b:R} norm {splitTrainer.LastGradientNorm:R}");
        splitTrainer.OverflowSteps.Should().Be(0);
        Math.Abs(b - a).Should().BeLessThan(1e-4f, "the reported loss is the unscaled mean either way");
        (splitTrainer.LastGradientNorm / wholeTrainer.LastGradientNorm).Should().BeInRange(0.999, 1.001, "each micro-batch's scaled gradient is unscaled once, after the sum");
    }

    private sealed class RecordingCallback(List<TrainingStepResult> results) : ITrainerCallback
    {
        public void OnStepEnd(Trainer trainer, TrainingStepResult result) => results.Add(result);
    }
}
