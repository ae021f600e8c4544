using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vit.Core;
using Xunit;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class TrainerServiceCollectionExtensionsTests
{
    [Fact]
    public void AddVitTrainer_Action_ResolvesTrainerWithThoseOptions()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var services = new ServiceCollection().AddSingleton(model);
        services.AddLogging();
        services.AddVitTrainer(o =>
        {
            o.TotalSteps = 100;
            o.AccumulationSteps = 4;
        });
        using var provider = services.BuildServiceProvider();

        using var trainer = provider.GetRequiredService<Trainer>();

        trainer.Model.Should().BeSameAs(model);
        trainer.Options.TotalSteps.Should().Be(100);
        trainer.Options.AccumulationSteps.Should().Be(4);
    }

    [Fact]
    public void AddVitTrainer_WithAddVisionTransformer_TrainsTheRegisteredModel()
    {
        var services = new ServiceCollection();
        services.AddVisionTransformer(o =>
        {
            o.ImageSize = 16;
            o.PatchSize = 4;
            o.NumClasses = 5;
            o.EmbedDim = 64;
            o.Depth = 1;
            o.NumHeads = 4;
        });
        services.AddVitTrainer(o => o.TotalSteps = 10);
        using var provider = services.BuildServiceProvider();

        using var trainer = provider.GetRequiredService<Trainer>();
        var (images, labels) = TestModels.RandomBatch(4, seed: 2);
        float loss = trainer.TrainStep(images, labels);

        trainer.Model.Should().BeSameAs(provider.GetRequiredService<VisionTransformer>());
        float.IsFinite(loss).Should().BeTrue();
        trainer.Step.Should().Be(1);
    }

    [Fact]
    public void AddVitTrainer_Configuration_BindsAndValidates()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Trainer:LearningRate"] = "0.003",
            ["Trainer:WeightDecay"] = "0.3",
            ["Trainer:LearningRateDecay"] = "Linear",
            ["Trainer:GradientClipNorm"] = "1.0",
        }).Build();
        using var model = TestModels.Build(TestModels.Tiny());
        var services = new ServiceCollection().AddSingleton(model);
        services.AddVitTrainer(configuration.GetSection("Trainer"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TrainerOptions>>().Value;

        options.LearningRate.Should().Be(0.003);
        options.WeightDecay.Should().Be(0.3);
        options.LearningRateDecay.Should().Be(LearningRateDecay.Linear);
        options.GradientClipNorm.Should().Be(1.0);
    }

    [Fact]
    public void AddVitTrainer_InvalidOptions_FailOnResolveNamingTheField()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var services = new ServiceCollection().AddSingleton(model);
        services.AddVitTrainer(o => o.Beta2 = 1.5);
        using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<Trainer>())
            .Should().Throw<OptionsValidationException>().Which.Message.Should().Be("TrainerOptions.Beta2 is 1.5 but must be in [0, 1)");
    }

    [Fact]
    public void AddVitTrainer_ResolvedTwice_GivesTheOneTrainerOfTheModelWithTheRegisteredCallbacks()
    {
        using var model = TestModels.Build(TestModels.Tiny());
        var callback = new CountingCallback();
        var services = new ServiceCollection().AddSingleton(model).AddSingleton<ITrainerCallback>(callback);
        services.AddVitTrainer(o => o.TotalSteps = 10);
        using var provider = services.BuildServiceProvider();

        var first = provider.GetRequiredService<Trainer>();
        var second = provider.GetRequiredService<Trainer>();
        var (images, labels) = TestModels.RandomBatch(4, seed: 2);
        first.TrainStep(images, labels);

        second.Should().BeSameAs(first, "a second trainer on the model would throw: one trainer per model");
        first.Callbacks.Should().ContainSingle().Which.Should().BeSameAs(callback);
        callback.Steps.Should().Be(1);
    }

    [Fact]
    public void AddVitTrainer_OfAnotherModelType_TrainsThatModel()
    {
        using var model = SmallConvNet.Build(seed: 1);
        var services = new ServiceCollection().AddSingleton(model);
        services.AddVitTrainer<SmallConvNet>(o => o.TotalSteps = 10);
        using var provider = services.BuildServiceProvider();

        var trainer = provider.GetRequiredService<Trainer>();
        var (images, labels) = TestModels.RandomBatch(4, seed: 2);
        trainer.TrainStep(images, labels);

        trainer.Model.Should().BeSameAs(model);
        trainer.Step.Should().Be(1);
    }

    private sealed class CountingCallback : ITrainerCallback
    {
        public int Steps { get; private set; }

        public void OnStepEnd(Trainer trainer, TrainingStepResult result) => Steps++;
    }
}
