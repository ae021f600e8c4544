using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

public sealed partial class TrainerTests
{
    [Theory]
    [InlineData("float64")]
    [InlineData("half")]
    public void TrainStep_ParametersReplacedAfterTheTrainerWasBuilt_ThrowsSayingWhatToDo(string conversion)
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);

        if (conversion == "half")
        {
            model.half();
        }
        else
        {
            model.to(ScalarType.Float64);
        }

        string dtype = conversion == "half" ? "Float16" : "Float64";
        FluentActions.Invoking(() => Train(trainer, 1)).Should().Throw<InvalidOperationException>()
            .WithMessage($"The model's parameters changed after this Trainer was created: 'cls_token' is a new tensor ({dtype} on cpu), so the trainer would update the old one; model.to(...), half() and bfloat16() replace parameters. Move, convert, load and freeze the model before creating the trainer*");
        trainer.Step.Should().Be(1);
        FluentActions.Invoking(() => trainer.Evaluate(rand(2, 3, 16, 16, dtype: ScalarType.Float64), tensor(new long[] { 0, 1 })))
            .Should().Throw<InvalidOperationException>("evaluating the EMA or the model through the trainer would read stale buffers too");
    }

    [Fact]
    public void TrainStep_ModelMovedToTheDeviceItIsOn_KeepsTraining()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using var trainer = new Trainer(model, StepOptions());
        Train(trainer, 0);

        model.to(CPU);
        Train(trainer, 1);

        trainer.Step.Should().Be(2, "moving to the same device keeps the parameters");
    }

    [Fact]
    public void TrainStep_HeadReplacedOrParameterFrozen_ThrowsNamingIt()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        using (var trainer = new Trainer(model, StepOptions()))
        {
            model.state_dict()["norm.weight"].requires_grad = false;
            FluentActions.Invoking(() => Train(trainer, 0)).Should().Throw<InvalidOperationException>()
                .WithMessage("*'norm.weight' was frozen (requires_grad = false) after the trainer was created, and AdamW would still move it.*");
        }

        using (var trainer = new Trainer(model, StepOptions()))
        {
            model.ResetClassifier(5);
            FluentActions.Invoking(() => Train(trainer, 0)).Should().Throw<InvalidOperationException>()
                .WithMessage("*'head.weight' is a new tensor*");
        }
    }

    [Fact]
    public void Constructor_SecondTrainerOnOneModel_ThrowsUntilTheFirstIsDisposed()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var first = new Trainer(model, StepOptions());
        Train(first, 0);

        FluentActions.Invoking(() => new Trainer(model, StepOptions())).Should().Throw<InvalidOperationException>()
            .WithMessage("The model's parameter 'cls_token' is already trained by another Trainer that was not disposed.*dispose the first trainer*");
        Train(first, 1);
        first.Step.Should().Be(2, "the refused constructor left the first trainer working");

        first.Dispose();
        using var second = new Trainer(model, StepOptions());
        using var before = TestModels.Build(TestModels.Tiny(), seed: 99);
        CopyState(model, before);
        Train(second, 0);
        TestModels.BitIdentical(model, before).Should().BeFalse("the second trainer trains the model's own parameters");
    }
}
