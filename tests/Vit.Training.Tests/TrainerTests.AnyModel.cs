using FluentAssertions;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Fact]
    public void TrainStep_ModelThatIsNotAViT_EqualsHandWrittenAdamWLoop()
    {
        var options = StepOptions();
        using var trained = SmallConvNet.Build(seed: 4);
        using var reference = SmallConvNet.Build(seed: 4);
        using var trainer = new Trainer(trained, options);

        // The loop a TorchSharp user writes: AdamW with no decay for ndim <= 1, the same schedule, clip_grad_norm_.
        var decayed = reference.named_parameters().Where(p => p.parameter.ndim > 1).Select(p => p.parameter).ToList();
        var notDecayed = reference.named_parameters().Where(p => p.parameter.ndim <= 1).Select(p => p.parameter).ToList();
        using var optimizer = optim.AdamW(
            [
                new AdamW.ParamGroup(notDecayed, lr: 1e-3, weight_decay: 0),
                new AdamW.ParamGroup(decayed, lr: 1e-3, weight_decay: options.WeightDecay),
            ]);
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.TotalSteps, options.WarmupInitialLearningRate);
        double lossError = 0;
        for (int t = 0; t < 6; t++)
        {
            var (images, labels) = TestModels.RandomBatch(8, seed: 300 + t);
            using (images)
            using (labels)
            {
                float loss = trainer.TrainStep(images, labels);
                using var scope = NewDisposeScope();
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = schedule.GetLearningRate(t);
                }

                optimizer.zero_grad();
                var expected = cross_entropy(reference.call(images), labels, label_smoothing: options.LabelSmoothing);
                expected.backward();
                nn.utils.clip_grad_norm_(reference.parameters(), options.GradientClipNorm!.Value);
                optimizer.step();
                lossError = Math.Max(lossError, Math.Abs(loss - expected.item<float>()));
            }
        }

        double weightError = SmallConvNet.MaxAbsDifference(trained, reference);
        using var initial = SmallConvNet.Build(seed: 4);
        output.WriteLine($"SmallConvNet vs hand-written AdamW loop, 6 updates: max |loss diff| = {lossError:E2}, max |weight diff| = {weightError:E2} (moved {SmallConvNet.MaxAbsDifference(trained, initial):E2} from the start)");
        lossError.Should().BeLessThan(1e-5);
        weightError.Should().BeLessThan(1e-5);
        SmallConvNet.MaxAbsDifference(trained, initial).Should().BeGreaterThan(1e-3, "training moved the weights");
    }

    [Fact]
    public void TrainStep_ModelThatIsNotAViT_ChecksItsBatchesBeforeAnUpdate()
    {
        using var model = SmallConvNet.Build(seed: 4);
        using var trainer = new Trainer(model, StepOptions());
        using var before = SmallConvNet.Build(seed: 99);
        CopyModule(model, before);
        using var images = rand(8, 3, 16, 16);
        using var gray = rand(8, 1, 16, 16);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 5 });
        using var good = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2 });
        using var soft = full(8, 4, 0.25f);

        FluentActions.Invoking(() => trainer.TrainStep(images, labels)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("labels must be in [0, 5) for this model; found values from 0 to 5.*");
        FluentActions.Invoking(() => trainer.TrainStep(images, soft)).Should().Throw<ArgumentException>()
            .WithMessage("Soft targets must have shape [8, 5] (batch, classes of the model); got [8, 4].*");
        FluentActions.Invoking(() => trainer.TrainStep(gray, good)).Should().Throw<ArgumentException>()
            .WithMessage("The model (SmallConvNet) cannot run on images of shape [8, 1, 16, 16] (Float32): *");

        trainer.Step.Should().Be(0);
        SmallConvNet.MaxAbsDifference(model, before).Should().Be(0);
    }

    [Fact]
    public void Constructor_LayerDecayOnAModelWithoutLayers_ExplainsWhatToDo()
    {
        var options = StepOptions();
        options.LayerDecay = 0.75;
        using var model = SmallConvNet.Build(seed: 4);

        FluentActions.Invoking(() => new Trainer(model, options)).Should().Throw<ArgumentException>()
            .WithMessage("Layer-wise learning-rate decay needs each parameter's layer, and SmallConvNet is not a VisionTransformer: implement ILayerDecayModel on it to say its layer ids, or leave TrainerOptions.LayerDecay null.*");
        using var trainer = new Trainer(model, StepOptions());
        trainer.Step.Should().Be(0, "the failed constructor left the model free for another trainer");
    }

    [Fact]
    public void Constructor_LayerDecayOnAModelThatSaysItsLayers_ScalesEachLayer()
    {
        var options = StepOptions();
        options.LayerDecay = 0.5;
        using var model = new LayeredConvNet();

        var scales = LayerDecayScales.For(model, 0.5);
        using var trainer = new Trainer(model, options);

        scales["stem.weight"].Should().Be(0.25);
        scales["norm.bias"].Should().Be(0.5);
        scales["head.weight"].Should().Be(1.0);
        trainer.Optimizer.ParamGroups.Should().HaveCount(5, "stem, norm and head, each split by weight decay, and the norm has no decayed parameter");
    }

    private static void CopyModule(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var target = to.state_dict();
        foreach (var (name, tensor) in from.state_dict())
        {
            target[name].copy_(tensor);
        }
    }

    /// <summary>Says its layers: the convolution is layer 0, the norm 1, the head 2.</summary>
    private sealed class LayeredConvNet : nn.Module<Tensor, Tensor>, ILayerDecayModel
    {
        private readonly Conv2d stem = nn.Conv2d(3, 8, 4, stride: 4);
        private readonly LayerNorm norm = nn.LayerNorm(128);
        private readonly Linear head = nn.Linear(128, 5);

        public LayeredConvNet()
            : base(nameof(LayeredConvNet)) => RegisterComponents();

        public int LayerCount => 3;

        public int GetLayerId(string parameterName) => parameterName.Split('.')[0] switch
        {
            "stem" => 0,
            "norm" => 1,
            _ => 2,
        };

        public override Tensor forward(Tensor input) => head.call(norm.call(stem.call(input).flatten(1)));
    }
}
