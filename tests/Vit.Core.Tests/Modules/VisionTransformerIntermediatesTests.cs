using System.Globalization;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

/// <summary>
/// ForwardIntermediates and PruneIntermediateLayers against timm's forward_intermediates on the dinov2_reg4 hub case
/// (class + 4 register tokens, 2 blocks): Fixtures/intermediates/dinov2_reg4.safetensors, made by
/// eng/make_intermediates_fixture.py.
/// </summary>
[Collection(TorchTestGroup.Name)]
public sealed class VisionTransformerIntermediatesTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void ForwardIntermediates_LastTwoNchw_EqualsTimm()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Model();
        var expected = Expected();

        using var result = model.ForwardIntermediates(expected["input"], count: 2);

        result.Indices.Should().Equal(0, 1);
        result.PrefixTokens.Should().BeNull();
        result.Intermediates.Should().HaveCount(2);
        result.Intermediates[0].shape.Should().Equal(2, 64, 4, 4);
        Report("last2_nchw",
            TensorAssert.Close(result.Intermediates[0], expected["last2_nchw.0"], Tolerance),
            TensorAssert.Close(result.Intermediates[1], expected["last2_nchw.1"], Tolerance),
            TensorAssert.Close(result.Features!, expected["last2_nchw.final"], Tolerance));
    }

    [Fact]
    public void ForwardIntermediates_IndexListNormedNlcWithPrefixTokens_EqualsTimm()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Model();
        var expected = Expected();

        using var result = model.ForwardIntermediates(expected["input"], [0, -1], IntermediateFormat.Nlc, norm: true, returnPrefixTokens: true);

        result.Indices.Should().Equal(0, 1);
        result.Intermediates[1].shape.Should().Equal(2, 16, 64);
        result.PrefixTokens![1].shape.Should().Equal(2, 5, 64);
        Report("list_norm_nlc_prefix",
            TensorAssert.Close(result.Intermediates[0], expected["list_norm_nlc_prefix.0"], Tolerance),
            TensorAssert.Close(result.Intermediates[1], expected["list_norm_nlc_prefix.1"], Tolerance),
            TensorAssert.Close(result.PrefixTokens[0], expected["list_norm_nlc_prefix.0.prefix"], Tolerance),
            TensorAssert.Close(result.PrefixTokens[1], expected["list_norm_nlc_prefix.1.prefix"], Tolerance),
            TensorAssert.Close(result.Features!, expected["list_norm_nlc_prefix.final"], Tolerance));
    }

    [Fact]
    public void ForwardIntermediates_FirstBlockStopEarlyIntermediatesOnly_EqualsTimm()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Model();
        var expected = Expected();

        using var result = model.ForwardIntermediates(expected["input"], [0], norm: true, stopEarly: true, intermediatesOnly: true);

        result.Features.Should().BeNull();
        result.Intermediates.Should().ContainSingle();
        Report("first_norm_nchw_only", TensorAssert.Close(result.Intermediates[0], expected["first_norm_nchw_only.0"], Tolerance));
    }

    [Fact]
    public void PruneIntermediateLayers_FirstBlock_KeepsOneBlockAndItsIntermediateStillEqualsTimm()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Model();
        var expected = Expected();

        var indices = model.PruneIntermediateLayers([0]);

        indices.Should().Equal(0);
        model.Blocks.Should().ContainSingle();
        model.state_dict().Keys.Should().NotContain(key => key.StartsWith("blocks.1.", StringComparison.Ordinal)).And.NotContain("head.weight");
        using var result = model.ForwardIntermediates(expected["input"], [0], norm: true, intermediatesOnly: true);
        Report("pruned first_norm_nchw_only", TensorAssert.Close(result.Intermediates[0], expected["first_norm_nchw_only.0"], Tolerance));
    }

    [Theory]
    [InlineData(0, "count is 0, but the model has 2 blocks: take 1 to 2.*")]
    [InlineData(3, "count is 3, but the model has 2 blocks: take 1 to 2.*")]
    public void ForwardIntermediates_CountOutOfRange_ThrowsNamingCountAndDepth(int count, string message)
    {
        using var scope = NewDisposeScope();
        using var model = Model();

        var act = () => model.ForwardIntermediates(zeros(1, 3, 56, 56), count);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message).And.ParamName.Should().Be("count");
    }

    [Fact]
    public void ForwardIntermediates_IndexOutOfRange_ThrowsNamingTheIndex()
    {
        using var scope = NewDisposeScope();
        using var model = Model();

        var act = () => model.ForwardIntermediates(zeros(1, 3, 56, 56), [0, -3]);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("indices[1] is -3, but the model has 2 blocks: use -2 to 1.*");
    }

    private static VisionTransformer Model() =>
        VisionTransformer.FromPretrained(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pretrained", "dinov2_reg4"));

    private static Dictionary<string, Tensor> Expected() =>
        SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "intermediates", "dinov2_reg4.safetensors"));

    private void Report(string name, params double[] differences) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: worst max abs difference {differences.Max():G3}"));
}
