using FluentAssertions;
using Xunit;

namespace Vit.Data.Tests;

public sealed class ImplicitScalarTests
{
    [Fact]
    public void VitData_CreatesEveryScalarExplicitly()
    {
        ImplicitScalarScan.Find(typeof(BatchLoader).Assembly).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
