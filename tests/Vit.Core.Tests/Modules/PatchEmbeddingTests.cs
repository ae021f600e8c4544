using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class PatchEmbeddingTests
{
    [Fact]
    public void Forward_Images_EqualsRowMajorPatchesTimesWeights()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        using var embed = new PatchEmbedding(imageSize: 8, patchSize: 4, inChannels: 3, embedDim: 5);
        var images = torch.randn(2, 3, 8, 8);
        var weight = embed.state_dict()["proj.weight"];
        var bias = embed.state_dict()["proj.bias"];

        var tokens = embed.forward(images);

        // Patch (row i, column j) flattened channel-major, as the convolution's weight is laid out.
        var patches = images.reshape(2, 3, 2, 4, 2, 4).permute(0, 2, 4, 1, 3, 5).reshape(2, 4, 48);
        var expected = patches.matmul(weight.reshape(5, 48).t()) + bias;
        tokens.shape.Should().Equal(2, 4, 5);
        TensorAssert.Close(tokens, expected, atol: 1e-5);
    }

    [Fact]
    public void StateDict_Keys_AreTimmsProjConvolution()
    {
        using var embed = new PatchEmbedding(32, 8, 1, 16);

        var state = embed.state_dict();

        state.Keys.Should().Equal("proj.weight", "proj.bias");
        state["proj.weight"].shape.Should().Equal(16, 1, 8, 8);
        embed.NumPatches.Should().Be(16);
        embed.GridSize.Should().Be(4);
    }

    public static TheoryData<long[], ScalarType, string> BadImages => new()
    {
        { [3, 16, 16], ScalarType.Float32, "Expected images shaped [batch, 3, 16, 16] (rank 4), got rank 3 shape [3, 16, 16].*" },
        { [2, 1, 16, 16], ScalarType.Float32, "Expected 3 channels (images shaped [batch, 3, 16, 16]), got 1 channels in shape [2, 1, 16, 16].*" },
        { [2, 3, 32, 16], ScalarType.Float32, "Expected 16x16 images (shaped [batch, 3, 16, 16]), got 32x16 in shape [2, 3, 32, 16]. Resize the images*LoadTimm*" },
        { [2, 3, 16, 16], ScalarType.Byte, "Expected floating-point images (Float32, like the weights), got dtype Byte.*" },
        { [2, 3, 16, 16], ScalarType.Float64, "Expected images of dtype Float32 (the weights' dtype), got Float64; convert the images or the model, or run under Autocast.*" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public void Forward_BadImages_ThrowsNamingExpectedAndActual(long[] shape, ScalarType dtype, string message)
    {
        using var embed = new PatchEmbedding(16, 4, 3, 8);
        using var images = torch.zeros(shape, dtype);

        var act = () => embed.forward(images);

        act.Should().Throw<ArgumentException>().WithMessage(message).And.ParamName.Should().Be("images");
    }

    [Fact]
    public void Constructor_ImageNotDivisibleByPatch_Throws()
    {
        var act = () => new PatchEmbedding(30, 4, 3, 8);

        act.Should().Throw<ArgumentException>().WithMessage("imageSize 30 is not divisible by patchSize 4.*");
    }
}
