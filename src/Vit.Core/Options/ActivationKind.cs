namespace Vit.Core;

/// <summary>The activation of the transformer MLPs and the convolutional stem (timm's <c>act_layer</c>).</summary>
public enum ActivationKind
{
    /// <summary>Exact (erf) GELU, timm's default <c>nn.GELU</c>.</summary>
    Gelu = 0,

    /// <summary>GELU with the tanh approximation (timm's <c>'gelu_tanh'</c>; SigLIP).</summary>
    GeluTanh = 1,

    /// <summary><c>x * sigmoid(1.702 x)</c> (timm's <c>'quick_gelu'</c>; OpenAI CLIP).</summary>
    QuickGelu = 2,

    /// <summary><c>x * sigmoid(x)</c> (timm's <c>'silu'</c> / <c>nn.SiLU</c>; the gate of SwiGLU MLPs).</summary>
    Silu = 3,

    /// <summary><c>max(x, 0)</c> (<c>nn.ReLU</c>; timm's convolutional stems).</summary>
    Relu = 4,
}
