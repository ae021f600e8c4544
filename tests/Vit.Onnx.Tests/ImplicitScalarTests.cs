using FluentAssertions;
using Xunit;

namespace Vit.Onnx.Tests;

public sealed class ImplicitScalarTests
{
    [Fact]
    public void VitOnnx_CreatesEveryScalarExplicitly()
    {
        ImplicitScalarScan.Find(typeof(OnnxExport).Assembly).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
