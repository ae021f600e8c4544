using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class LayerScaleTests
{
    [Fact]
    public void Constructor_InitValue_FillsGamma()
    {
        using var layerScale = new LayerScale(5, 1e-5);

        var state = layerScale.state_dict();

        state.Keys.Should().Equal("gamma");
        state["gamma"].data<float>().ToArray().Should().AllBeEquivalentTo(1e-5f);
    }

    [Fact]
    public void Forward_ScalesEachChannelAndTrainsGamma()
    {
        using var scope = NewDisposeScope();
        using var layerScale = new LayerScale(3, 0.5);
        var x = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3);

        var y = layerScale.forward(x);
        y.sum().backward();

        y.data<float>().ToArray().Should().Equal(0.5f, 1f, 1.5f, 2f, 2.5f, 3f);
        layerScale.parameters().Single().grad!.data<float>().ToArray().Should().Equal(5f, 7f, 9f);
    }
}
