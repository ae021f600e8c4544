using System.Reflection;
using FluentAssertions;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class ImplicitScalarTests
{
    [Theory]
    [InlineData("Vit.Samples.FashionMnist")]
    [InlineData("Vit.Samples.FineTune")]
    [InlineData("Vit.Samples.Inference")]
    [InlineData("Vit.Samples.Similarity")]
    public void Sample_CreatesEveryScalarExplicitly(string sample)
    {
        ImplicitScalarScan.Find(Assembly.Load(sample)).Should().BeEmpty(
            "an implicit Scalar can be freed by another thread's garbage collection while libtorch reads it");
    }
}
