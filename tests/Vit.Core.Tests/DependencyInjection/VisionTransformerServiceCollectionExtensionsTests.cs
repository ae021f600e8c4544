using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Vit.Core.Tests.DependencyInjection;

[Collection(TorchTestGroup.Name)]
public sealed class VisionTransformerServiceCollectionExtensionsTests
{
    private static void Small(VisionTransformerOptions o)
    {
        o.ImageSize = 16;
        o.PatchSize = 8;
        o.EmbedDim = 12;
        o.NumHeads = 2;
        o.Depth = 1;
        o.NumClasses = 5;
    }

    [Fact]
    public void AddVisionTransformer_Action_ResolvesAModelBuiltFromTheOptions()
    {
        using var provider = new ServiceCollection().AddVisionTransformer(Small).BuildServiceProvider();

        var model = provider.GetRequiredService<VisionTransformer>();

        model.Options.Should().BeEquivalentTo(provider.GetRequiredService<IOptions<VisionTransformerOptions>>().Value);
        model.Options.EmbedDim.Should().Be(12);
        provider.GetRequiredService<VisionTransformer>().Should().BeSameAs(model);
    }

    [Fact]
    public void AddVisionTransformer_Configuration_BindsEveryKind()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vit:ImageSize"] = "16",
            ["Vit:PatchSize"] = "4",
            ["Vit:EmbedDim"] = "8",
            ["Vit:NumHeads"] = "2",
            ["Vit:Depth"] = "2",
            ["Vit:NumClasses"] = "3",
            ["Vit:Pooling"] = "Mean",
            ["Vit:DropPathRate"] = "0.1",
            ["Vit:LayerScaleInit"] = "1e-5",
        }).Build();
        using var provider = new ServiceCollection().AddVisionTransformer(configuration.GetSection("Vit")).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<VisionTransformerOptions>>().Value;

        options.Should().BeEquivalentTo(new { ImageSize = 16, PatchSize = 4, EmbedDim = 8, NumHeads = 2, Depth = 2, NumClasses = 3, Pooling = Pooling.Mean, DropPathRate = 0.1, LayerScaleInit = 1e-5 });
        provider.GetRequiredService<VisionTransformer>().state_dict().Keys.Should().Contain("blocks.1.ls2.gamma").And.Contain("fc_norm.weight");
    }

    [Fact]
    public void AddVisionTransformer_InvalidOptions_FailStartValidationNamingTheFields()
    {
        using var provider = new ServiceCollection().AddVisionTransformer(o => { Small(o); o.NumHeads = 5; o.Dropout = 1.5; }).BuildServiceProvider();

        // What the host runs at start-up (ValidateOnStart).
        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "VisionTransformerOptions.Dropout is 1.5 but must be in [0, 1)",
            "VisionTransformerOptions.EmbedDim is 12 and NumHeads is 5, but EmbedDim must be divisible by NumHeads");
    }

    [Fact]
    public void AddVisionTransformer_CalledTwice_RegistersValidatorAndModelOnce()
    {
        var services = new ServiceCollection().AddVisionTransformer(Small).AddVisionTransformer(o => o.Depth = 2);

        services.Count(d => d.ServiceType == typeof(VisionTransformer)).Should().Be(1);
        services.Count(d => d.ImplementationType == typeof(VisionTransformerOptionsValidator)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<VisionTransformer>().Blocks.Should().HaveCount(2);
    }
}
