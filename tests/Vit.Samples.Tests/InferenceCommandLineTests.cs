using FluentAssertions;
using Vit.Samples.Inference;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class InferenceCommandLineTests
{
    [Fact]
    public void TryParse_NoPrecision_RunsInFloat32()
    {
        InferenceCommandLine.TryParse(["--model", "m.safetensors", "a.png"], out var request, out var error).Should().BeTrue(error);

        request!.Precision.Should().Be("float32");
    }

    [Theory]
    [InlineData("bfloat16")]
    [InlineData("float16")]
    public void TryParse_Precision_ReadsIt(string precision)
    {
        InferenceCommandLine.TryParse(["--model", "m.safetensors", "a.png", "--precision", precision], out var request, out var error).Should().BeTrue(error);

        request!.Precision.Should().Be(precision);
    }

    [Fact]
    public void TryParse_UnknownPrecision_NamesTheChoices()
    {
        InferenceCommandLine.TryParse(["--model", "m.safetensors", "a.png", "--precision", "int8"], out _, out var error).Should().BeFalse();

        error.Should().StartWith("Argument 'int8' not recognized. Must be one of:").And.Contain("'bfloat16'").And.Contain("'float16'");
    }
}
