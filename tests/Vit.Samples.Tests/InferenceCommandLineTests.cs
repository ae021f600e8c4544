using FluentAssertions;
using Vit.Samples.Inference;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class InferenceCommandLineTests
{
    [Fact]
    public void TryParse_NoPrecision_RunsInFloat32()
    {
        InferenceCommandLine.TryParse(["--model", "m", "a.png"], out var request, out var error).Should().BeTrue(error);

        request!.Precision.Should().Be("float32");
    }

    [Theory]
    [InlineData("bfloat16")]
    [InlineData("float16")]
    public void TryParse_Precision_ReadsIt(string precision)
    {
        InferenceCommandLine.TryParse(["--model", "m", "a.png", "--engine", "torch", "--precision", precision], out var request, out var error).Should().BeTrue(error);

        request!.Precision.Should().Be(precision);
    }

    [Fact]
    public void TryParse_PrecisionWithTheOnnxEngine_AsksForTheTorchEngine()
    {
        InferenceCommandLine.TryParse(["--model", "m", "a.png", "--precision", "bfloat16"], out _, out var error).Should().BeFalse();

        error.Should().Be("--precision bfloat16 converts the TorchSharp model: add --engine torch (the onnx engine runs the exported float32 graph).");
    }

    [Fact]
    public void TryParse_UnknownPrecision_NamesTheChoices()
    {
        InferenceCommandLine.TryParse(["--model", "m", "a.png", "--engine", "torch", "--precision", "int8"], out _, out var error).Should().BeFalse();

        error.Should().StartWith("Argument 'int8' not recognized. Must be one of:").And.Contain("'bfloat16'").And.Contain("'float16'");
    }
}
