using FluentAssertions;
using Xunit;

namespace Vit.Training.Tests;

public sealed class ImplicitScalarTests
{
    [Fact]
    public void VitTraining_CreatesEveryScalarExplicitly()
    {
        ImplicitScalarScan.Find(typeof(Trainer).Assembly).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
