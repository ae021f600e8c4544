using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Vit.Core.Tests.Options;

public sealed class VisionTransformerOptionsValidatorTests
{
    private readonly VisionTransformerOptionsValidator _validator = new();

    [Fact]
    public void Validate_ValidOptions_Succeeds()
    {
        _validator.Validate(null, VisionTransformerOptions.VitSmallPatch16).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData(nameof(VisionTransformerOptions.ImageSize), 0, "VisionTransformerOptions.ImageSize is 0 but must be at least 1")]
    [InlineData(nameof(VisionTransformerOptions.PatchSize), -4, "VisionTransformerOptions.PatchSize is -4 but must be at least 1")]
    [InlineData(nameof(VisionTransformerOptions.InChannels), 0, "VisionTransformerOptions.InChannels is 0 but must be at least 1")]
    [InlineData(nameof(VisionTransformerOptions.NumClasses), -1, "VisionTransformerOptions.NumClasses is -1 but must be at least 0")]
    [InlineData(nameof(VisionTransformerOptions.EmbedDim), 0, "VisionTransformerOptions.EmbedDim is 0 but must be at least 1")]
    [InlineData(nameof(VisionTransformerOptions.Depth), 0, "VisionTransformerOptions.Depth is 0 but must be at least 1")]
    [InlineData(nameof(VisionTransformerOptions.NumHeads), 0, "VisionTransformerOptions.NumHeads is 0 but must be at least 1")]
    [InlineData(nameof(VisionTransformerOptions.MlpRatio), 0.0, "VisionTransformerOptions.MlpRatio is 0 but must be a finite number greater than 0")]
    [InlineData(nameof(VisionTransformerOptions.Dropout), 1.0, "VisionTransformerOptions.Dropout is 1 but must be in [0, 1)")]
    [InlineData(nameof(VisionTransformerOptions.AttentionDropout), -0.1, "VisionTransformerOptions.AttentionDropout is -0.1 but must be in [0, 1)")]
    [InlineData(nameof(VisionTransformerOptions.DropPathRate), double.NaN, "VisionTransformerOptions.DropPathRate is NaN but must be in [0, 1)")]
    [InlineData(nameof(VisionTransformerOptions.LayerNormEpsilon), 0.0, "VisionTransformerOptions.LayerNormEpsilon is 0 but must be in (0, 1]")]
    [InlineData(nameof(VisionTransformerOptions.RegisterTokens), -1, "VisionTransformerOptions.RegisterTokens is -1 but must be in [0, 1024]")]
    [InlineData(nameof(VisionTransformerOptions.HeadDropout), 1.5, "VisionTransformerOptions.HeadDropout is 1.5 but must be in [0, 1)")]
    [InlineData(nameof(VisionTransformerOptions.LayerScaleInit), -1e-5, "VisionTransformerOptions.LayerScaleInit is -1E-05 but must be null or a finite number greater than 0")]
    public void Validate_OneBadField_NamesTheFieldAndItsValue(string property, object value, string message)
    {
        var options = new VisionTransformerOptions();
        typeof(VisionTransformerOptions).GetProperty(property)!.SetValue(options, value);

        var result = _validator.Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().Equal(message);
    }

    [Fact]
    public void Validate_UndefinedPooling_NamesTheValidValues()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { Pooling = (Pooling)7 });

        result.Failures.Should().Equal("VisionTransformerOptions.Pooling is 7 but must be one of ClassToken, Mean, Max, AvgMax, AttentionPool");
    }

    [Fact]
    public void Validate_CrossFieldRules_NameBothFieldsAndValues()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { EmbedDim = 100, NumHeads = 6, ImageSize = 30, PatchSize = 4 });

        result.Failures.Should().Equal(
            "VisionTransformerOptions.EmbedDim is 100 and NumHeads is 6, but EmbedDim must be divisible by NumHeads",
            "VisionTransformerOptions.ImageSize is 30 and PatchSize is 4, but ImageSize must be divisible by PatchSize");
    }

    [Fact]
    public void Validate_MlpRatioTooSmallForWidth_Fails()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { EmbedDim = 6, NumHeads = 6, MlpRatio = 0.1 });

        result.Failures.Should().Equal("VisionTransformerOptions.MlpRatio is 0.1 but EmbedDim * MlpRatio must be at least 1 (it is 0.6000000000000001)");
    }

    [Fact]
    public void Validate_ManyBadFields_ReportsEveryOne()
    {
        var options = new VisionTransformerOptions { Depth = 0, Dropout = 2, EmbedDim = 10, NumHeads = 3 };

        var result = _validator.Validate("named", options);

        result.FailureMessage.Should().Be(
            "VisionTransformerOptions.Depth is 0 but must be at least 1; " +
            "VisionTransformerOptions.Dropout is 2 but must be in [0, 1); " +
            "VisionTransformerOptions.EmbedDim is 10 and NumHeads is 3, but EmbedDim must be divisible by NumHeads");
    }

    [Fact]
    public void Validate_ClassTokenPoolingWithoutClassToken_NamesBothFields()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { Pooling = Pooling.ClassToken, ClassToken = false });

        result.Failures.Should().Equal("VisionTransformerOptions.Pooling is ClassToken and ClassToken is false, but class-token pooling needs a class token: set ClassToken to true or null, or pool with Mean, Max, AvgMax or AttentionPool");
    }

    [Fact]
    public void Validate_DistillationTokenWithMeanPoolingAndRegisters_ReportsBoth()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { DistillationToken = true, ClassToken = true, Pooling = Pooling.Mean, RegisterTokens = 4 });

        result.Failures.Should().Equal(
            "VisionTransformerOptions.DistillationToken is true and Pooling is Mean, but the distilled model classifies from its class and distillation tokens: Pooling must be ClassToken",
            "VisionTransformerOptions.DistillationToken is true and RegisterTokens is 4, but timm's distilled ViT has no register tokens: RegisterTokens must be 0");
    }

    [Fact]
    public void Validate_PackedSwiGluWithOddHiddenWidth_NamesTheWidth()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { EmbedDim = 48, NumHeads = 4, MlpRatio = 2.5625, Mlp = MlpKind.PackedSwiGlu });

        result.Failures.Should().Equal("VisionTransformerOptions.Mlp is PackedSwiGlu and MlpHiddenDim is 123 (EmbedDim 48 * MlpRatio 2.5625), but the packed fc1 splits into gate and value halves, so MlpHiddenDim must be even");
    }

    [Fact]
    public void Validate_FcNormWithoutFinalNorm_Fails()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { Pooling = Pooling.Mean, FcNorm = true, FinalNorm = false });

        result.Failures.Should().Equal("VisionTransformerOptions.FcNorm is true and FinalNorm is false, but fc_norm is the final norm moved after pooling: set FinalNorm to true, or FcNorm to false or null");
    }

    [Theory]
    [InlineData(Pooling.ClassToken, null, true, false, 1)]
    [InlineData(Pooling.Mean, null, false, true, 0)]
    [InlineData(Pooling.Max, true, true, true, 1)]
    [InlineData(Pooling.AvgMax, null, false, true, 0)]
    [InlineData(Pooling.AttentionPool, null, false, false, 0)]
    public void DerivedFields_FromPoolingAndClassToken_FollowTimmDefaults(Pooling pooling, bool? classToken, bool hasClassToken, bool usesFcNorm, int prefixTokens)
    {
        var options = new VisionTransformerOptions { Pooling = pooling, ClassToken = classToken };

        (options.HasClassToken, options.UsesFcNorm, options.NumPrefixTokens).Should().Be((hasClassToken, usesFcNorm, prefixTokens));
        options.RegisterTokens = 4;
        options.NumPrefixTokens.Should().Be(prefixTokens + 4);
    }

    [Fact]
    public void Validate_IsAnIValidateOptions()
    {
        _validator.Should().BeAssignableTo<IValidateOptions<VisionTransformerOptions>>();
    }
}
