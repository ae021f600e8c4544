using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Modules;

[Collection(TorchTestGroup.Name)]
public sealed class EncoderLayerTests
{
    private static readonly string[] TimmBlockKeys =
    [
        "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
        "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
    ];

    [Fact]
    public void StateDict_WithoutLayerScale_HasTimmsBlockKeys()
    {
        using var layer = new EncoderLayer(12, 3, 48);

        layer.state_dict().Keys.Should().Equal(TimmBlockKeys);
        layer.named_children().Where(c => c.name.StartsWith("ls", StringComparison.Ordinal) || c.name.StartsWith("drop_path", StringComparison.Ordinal))
            .Should().OnlyContain(c => c.module is TorchSharp.Modules.Identity);
    }

    [Fact]
    public void StateDict_WithLayerScaleAndDropPath_AddsGammasAndDropPaths()
    {
        using var layer = new EncoderLayer(12, 3, 48, dropPath: 0.1, layerScaleInit: 1e-5);

        layer.state_dict().Keys.Should().BeEquivalentTo(TimmBlockKeys.Append("ls1.gamma").Append("ls2.gamma"));
        layer.named_children().Single(c => c.name == "drop_path2").module.Should().BeOfType<DropPath>();
    }

    [Fact]
    public void Forward_Eval_IsPreNormWithTwoResiduals()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var layer = new EncoderLayer(12, 3, 20, layerScaleInit: 0.5);
        layer.eval();
        var state = layer.state_dict();
        using var attention = new MultiHeadAttention(12, 3);
        attention.load_state_dict(Prefixed(state, "attn."));
        using var mlp = new FeedForward(12, 20);
        mlp.load_state_dict(Prefixed(state, "mlp."));
        var x = torch.randn(2, 4, 12);

        var norm1 = nn.functional.layer_norm(x, [12], state["norm1.weight"], state["norm1.bias"], 1e-6);
        var h = x + (attention.forward(norm1) * state["ls1.gamma"]);
        var norm2 = nn.functional.layer_norm(h, [12], state["norm2.weight"], state["norm2.bias"], 1e-6);
        var expected = h + (mlp.forward(norm2) * state["ls2.gamma"]);

        TensorAssert.Close(layer.forward(x), expected, atol: 1e-6);
        var (output, attentionMap) = layer.ForwardWithAttention(x);
        TensorAssert.Close(output, expected, atol: 1e-6);
        attentionMap.shape.Should().Equal(2, 3, 4, 4);
    }

    private static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
