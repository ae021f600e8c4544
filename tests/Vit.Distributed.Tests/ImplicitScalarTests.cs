using FluentAssertions;
using Xunit;

namespace Vit.Distributed.Tests;

public sealed class ImplicitScalarTests
{
    [Fact]
    public void VitDistributed_CreatesEveryScalarExplicitly()
    {
        ImplicitScalarScan.Find(typeof(MpiCommunicator).Assembly).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
