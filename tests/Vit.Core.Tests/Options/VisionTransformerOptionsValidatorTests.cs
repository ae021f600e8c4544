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
    [InlineData(nameof(VisionTransformerOptions.ImageSize), 0, "ImageSize is 0; it must be at least 1.")]
    [InlineData(nameof(VisionTransformerOptions.PatchSize), -4, "PatchSize is -4; it must be at least 1.")]
    [InlineData(nameof(VisionTransformerOptions.InChannels), 0, "InChannels is 0; it must be at least 1.")]
    [InlineData(nameof(VisionTransformerOptions.NumClasses), -1, "NumClasses is -1; it must be at least 0.")]
    [InlineData(nameof(VisionTransformerOptions.EmbedDim), 0, "EmbedDim is 0; it must be at least 1.")]
    [InlineData(nameof(VisionTransformerOptions.Depth), 0, "Depth is 0; it must be at least 1.")]
    [InlineData(nameof(VisionTransformerOptions.NumHeads), 0, "NumHeads is 0; it must be at least 1.")]
    [InlineData(nameof(VisionTransformerOptions.MlpRatio), 0.0, "MlpRatio is 0; it must be greater than 0.")]
    [InlineData(nameof(VisionTransformerOptions.Dropout), 1.0, "Dropout is 1; it must be in [0, 1).")]
    [InlineData(nameof(VisionTransformerOptions.AttentionDropout), -0.1, "AttentionDropout is -0.1; it must be in [0, 1).")]
    [InlineData(nameof(VisionTransformerOptions.DropPathRate), double.NaN, "DropPathRate is NaN; it must be in [0, 1).")]
    [InlineData(nameof(VisionTransformerOptions.LayerNormEpsilon), 0.0, "LayerNormEpsilon is 0; it must be in (0, 1].")]
    [InlineData(nameof(VisionTransformerOptions.LayerScaleInit), -1e-5, "LayerScaleInit is -1E-05; it must be greater than 0.")]
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

        result.Failures.Should().Equal("Pooling is 7; it must be one of ClassToken, Mean.");
    }

    [Fact]
    public void Validate_CrossFieldRules_NameBothFieldsAndValues()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { EmbedDim = 100, NumHeads = 6, ImageSize = 30, PatchSize = 4 });

        result.Failures.Should().Equal(
            "EmbedDim is 100 and NumHeads is 6; EmbedDim must be divisible by NumHeads.",
            "ImageSize is 30 and PatchSize is 4; ImageSize must be divisible by PatchSize.");
    }

    [Fact]
    public void Validate_MlpRatioTooSmallForWidth_Fails()
    {
        var result = _validator.Validate(null, new VisionTransformerOptions { EmbedDim = 6, NumHeads = 6, MlpRatio = 0.1 });

        result.Failures.Should().Equal("MlpRatio is 0.1; EmbedDim * MlpRatio must be at least 1 (it is 0.6000000000000001).");
    }

    [Fact]
    public void Validate_ManyBadFields_ReportsEveryOne()
    {
        var options = new VisionTransformerOptions { Depth = 0, Dropout = 2, EmbedDim = 10, NumHeads = 3 };

        var result = _validator.Validate("named", options);

        result.Failures.Should().HaveCount(3);
        result.FailureMessage.Should().Contain("Depth is 0").And.Contain("Dropout is 2").And.Contain("EmbedDim is 10 and NumHeads is 3");
    }

    [Fact]
    public void Validate_IsAnIValidateOptions()
    {
        _validator.Should().BeAssignableTo<IValidateOptions<VisionTransformerOptions>>();
    }
}
