using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Timm;

/// <summary>Against PyTorch 1.13's F.interpolate (bicubic) as timm's resample_abs_pos_embed calls it (Fixtures/README.md).</summary>
[Collection(TorchTestGroup.Name)]
public sealed class PositionEmbeddingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("random_cls.source", "random_cls.to9", 9, 1, true)]
    [InlineData("random_cls.source", "random_cls.to3", 3, 1, true)]
    [InlineData("random_cls.source", "random_cls.to9.noantialias", 9, 1, false)]
    [InlineData("random_avg.source", "random_avg.to8", 8, 0, true)]
    [InlineData("random_avg.source", "random_avg.to4", 4, 0, true)]
    public void Resample_RandomGrid_MatchesPyTorchBicubic(string source, string reference, int grid, int prefix, bool antialias)
    {
        using var scope = NewDisposeScope();
        var fixture = SafeTensors.Load(TestFiles.Fixture("resample_abs_pos_embed.safetensors"));

        var resampled = PositionEmbedding.Resample(fixture[source], grid, prefix, antialias);

        resampled.shape.Should().Equal(fixture[reference].shape);
        double diff = (resampled - fixture[reference]).abs().max().item<float>();
        output.WriteLine($"{reference}: max abs diff {diff:E2}");
        diff.Should().BeLessThan(1e-5);
        if (prefix > 0)
        {
            resampled[.., ..prefix].equal(fixture[source][.., ..prefix]).all().item<bool>().Should().BeTrue("prefix tokens are kept");
        }
    }

    [Fact]
    public void Resample_Antialias_ChangesUpsamplingToo()
    {
        using var scope = NewDisposeScope();
        var fixture = SafeTensors.Load(TestFiles.Fixture("resample_abs_pos_embed.safetensors"));

        var withAntialias = PositionEmbedding.Resample(fixture["random_cls.source"], 9, 1);

        (withAntialias - fixture["random_cls.to9.noantialias"]).abs().max().item<float>().Should().BeGreaterThan(0.1f);
    }

    [Fact]
    public void Resample_BFloat16_KeepsDtypeAndRoughValues()
    {
        using var scope = NewDisposeScope();
        var fixture = SafeTensors.Load(TestFiles.Fixture("resample_abs_pos_embed.safetensors"));

        var resampled = PositionEmbedding.Resample(fixture["random_cls.source"].to(ScalarType.BFloat16), 9, 1);

        resampled.dtype.Should().Be(ScalarType.BFloat16);
        (resampled.to(ScalarType.Float32) - fixture["random_cls.to9"]).abs().max().item<float>().Should().BeLessThan(0.05f);
    }

    [Fact]
    public void Resample_SameGrid_ReturnsEqualValues()
    {
        using var scope = NewDisposeScope();
        var source = SafeTensors.Load(TestFiles.Fixture("resample_abs_pos_embed.safetensors"))["random_avg.source"];

        TensorAssert.Close(PositionEmbedding.Resample(source, 6, 0), source, atol: 1e-6);
    }

    [Fact]
    public void Resample_NotASquareGrid_Throws()
    {
        using var source = torch.zeros(1, 37, 8);

        var act = () => PositionEmbedding.Resample(source, 4, 0);

        act.Should().Throw<ArgumentException>().WithMessage("Expected position embeddings shaped [1, 0 + g*g, D], got [1, 37, 8].*");
    }
}
