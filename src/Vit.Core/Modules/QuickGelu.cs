using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>OpenAI CLIP's GELU approximation, <c>x * sigmoid(1.702 x)</c> (timm's <c>QuickGELU</c>, <c>act_layer='quick_gelu'</c>).</summary>
public sealed class QuickGelu : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the activation (no parameters).</summary>
    public QuickGelu()
        : base(nameof(QuickGelu))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var factor = 1.702.ToScalar();
        using var scaled = x.mul(factor);
        using var gate = scaled.sigmoid();
        return x * gate;
    }
}
