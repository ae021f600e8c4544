using FluentAssertions;
using Xunit;

namespace Vit.Onnx.Tests;

/// <summary>OnnxExportOptionsValidator: ranges from the attributes, then the precision/operator combinations.</summary>
public sealed class OnnxExportOptionsValidatorTests
{
    [Fact]
    public void Failures_UndefinedPrecisionAndExternalData_NameFieldAndValue()
    {
        var failures = new OnnxExportOptionsValidator().Failures(new OnnxExportOptions { Precision = (OnnxPrecision)7, ExternalData = (OnnxExternalData)9 });

        failures.Should().HaveCount(2);
        failures[0].Should().StartWith("OnnxExportOptions.Precision is 7");
        failures[1].Should().StartWith("OnnxExportOptions.ExternalData is 9");
    }

    [Theory]
    [InlineData(OnnxPrecision.Float32, true)]
    [InlineData(OnnxPrecision.Float16, true)]
    [InlineData(OnnxPrecision.Int8Dynamic, false)]
    public void Failures_EachPrecisionWithOnnxRuntimeAttention_OnlyInt8Fails(OnnxPrecision precision, bool valid)
    {
        var failures = new OnnxExportOptionsValidator().Failures(new OnnxExportOptions { Precision = precision, OnnxRuntimeAttention = true });

        failures.Should().HaveCount(valid ? 0 : 1);
    }
}
