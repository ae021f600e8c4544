using FluentAssertions;
using Xunit;

namespace Vit.Cli.Tests;

public sealed class ImplicitScalarTests
{
    [Fact]
    public void VitCli_CreatesEveryScalarExplicitly()
    {
        ImplicitScalarScan.Find(typeof(CommandLineException).Assembly).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
