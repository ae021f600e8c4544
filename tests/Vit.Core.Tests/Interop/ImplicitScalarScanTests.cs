using FluentAssertions;
using Xunit;

namespace Vit.Core.Tests.Interop;

public sealed class ImplicitScalarScanTests
{
    [Fact]
    public void Find_FlagsImplicitConversionsNumberOperatorsAndHiddenAlphas_NotExplicitScalars()
    {
        var findings = ImplicitScalarScan.Find(typeof(ImplicitScalarSamples).Assembly, type => type == nameof(ImplicitScalarSamples));

        findings.Should().BeEquivalentTo(
            "ImplicitScalarSamples.ImplicitConversion: Scalar.op_Implicit",
            "ImplicitScalarSamples.NumberOperator: Tensor.op_Multiply(Tensor, double)",
            "ImplicitScalarSamples.AddOperator: Tensor.op_Addition(Tensor, Tensor)",
            "ImplicitScalarSamples.AddWithoutAlpha: Tensor.add(Tensor)",
            "ImplicitScalarSamples.Square: Tensor.square()");
    }

    [Fact]
    public void VitCore_CreatesEveryScalarExplicitly()
    {
        ImplicitScalarScan.Find(typeof(VisionTransformer).Assembly).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
